using System.Text;
using System.Text.Json;

namespace Outcry.SocketIO.Internal;

/// <summary>
/// Socket.IO v5 packet decoding, as the reference parser does it:
/// <c>&lt;type&gt;[&lt;#attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][&lt;JSON payload&gt;]</c>
/// e.g. <c>2/chat,12["hello",1]</c> or <c>51-["upload",{"_placeholder":true,"num":0}]</c>.
/// </summary>
internal static class PacketDecoder
{
    private static readonly string[] ReservedEvents =
        ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    public static bool TryDecode(ReadOnlySpan<byte> text, int maxAttachments, out SocketIoPacket? packet, out string error)
    {
        packet = null;
        error = "";
        if (text.IsEmpty)
        {
            error = "empty packet";
            return false;
        }

        var type = text[0] - '0';
        if (type is < 0 or > 6)
        {
            error = "unknown packet type";
            return false;
        }

        var kind = (PacketType)type;
        var i = 1;
        var attachments = 0;
        if (kind is PacketType.BinaryEvent or PacketType.BinaryAck)
        {
            var start = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }

            if (i == start || i >= text.Length || text[i] != '-' || i - start > 4)
            {
                error = "illegal attachments";
                return false;
            }

            attachments = int.Parse(text[start..i], provider: null);
            if (attachments < 1)
            {
                // socket.io-parser 4.2.7: a binary packet without binary is illegal.
                error = "illegal attachments";
                return false;
            }

            if (attachments > maxAttachments)
            {
                error = "too many attachments";
                return false;
            }

            i++;
        }

        var nsp = "/";
        if (i < text.Length && text[i] == '/')
        {
            var comma = text[i..].IndexOf((byte)',');
            var end = comma < 0 ? text.Length : i + comma;
            nsp = Encoding.UTF8.GetString(text[i..end]);
            i = comma < 0 ? end : end + 1;
        }

        long ackId = -1;
        if (i < text.Length && IsDigit(text[i]))
        {
            var start = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }

            // JavaScript numbers are exact up to 2^53; longer ids are not ids a real client sends.
            if (i - start > 15)
            {
                error = "invalid ack id";
                return false;
            }

            ackId = long.Parse(text[start..i], provider: null);
        }

        var data = default(JsonElement);
        if (i < text.Length)
        {
            try
            {
                var reader = new Utf8JsonReader(text[i..]);
                data = JsonElement.ParseValue(ref reader);
                if (reader.BytesConsumed != text.Length - i)
                {
                    error = "invalid payload";
                    return false;
                }
            }
            catch (JsonException)
            {
                error = "invalid payload";
                return false;
            }
        }

        if (!IsPayloadValid(kind, data, ackId))
        {
            error = "invalid payload";
            return false;
        }

        packet = new SocketIoPacket { Type = kind, Namespace = nsp, AckId = ackId, Data = data, AttachmentCount = attachments };
        return true;
    }

    // The reference parser's isPayloadValid, plus: events and acks must carry their array.
    private static bool IsPayloadValid(PacketType type, JsonElement data, long ackId) => type switch
    {
        PacketType.Connect => data.ValueKind is JsonValueKind.Undefined or JsonValueKind.Object,
        PacketType.Disconnect => data.ValueKind == JsonValueKind.Undefined,
        PacketType.ConnectError => data.ValueKind is JsonValueKind.String or JsonValueKind.Object,
        PacketType.Event or PacketType.BinaryEvent => data.ValueKind == JsonValueKind.Array && IsEventName(data),
        PacketType.Ack or PacketType.BinaryAck => data.ValueKind == JsonValueKind.Array && ackId >= 0,
        _ => false,
    };

    private static bool IsEventName(JsonElement array)
    {
        if (array.GetArrayLength() == 0)
        {
            return false;
        }

        var first = array[0];
        return first.ValueKind == JsonValueKind.Number
            || (first.ValueKind == JsonValueKind.String && !ReservedEvents.Contains(first.GetString()));
    }

    /// <summary>
    /// Whether every placeholder (<c>{"_placeholder":true,"num":N}</c>) in a reconstructed binary packet points to one
    /// of its <paramref name="count"/> attachments; the reference parser throws "illegal attachments" otherwise.
    /// </summary>
    public static bool PlaceholdersAreValid(JsonElement data, int count)
    {
        switch (data.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in data.EnumerateArray())
                {
                    if (!PlaceholdersAreValid(item, count))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Object:
                if (data.TryGetProperty("_placeholder", out var flag) && flag.ValueKind == JsonValueKind.True)
                {
                    return data.TryGetProperty("num", out var num) && num.ValueKind == JsonValueKind.Number
                        && num.TryGetInt32(out var n) && n >= 0 && n < count;
                }

                foreach (var property in data.EnumerateObject())
                {
                    if (!PlaceholdersAreValid(property.Value, count))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
