using System.Buffers;
using System.Text;
using System.Text.Json;
using Outcry.Core;

namespace Outcry.Redis;

/// <summary>
/// A publication as Redis keeps and carries it: one JSON object. The publish script writes its first fields, the
/// time, sequence and epoch it assigns (<c>{"t":…,"s":…,"ep":"…",</c>), and appends the <see cref="Tail"/> written
/// here: "o" and "i", then <see cref="PublicationJson"/>'s fields. The history's age trimming reads <c>"t"</c> at the
/// very start. "o" and "i" name the node and publish call the message came from, so that node can tell its caller
/// how many of its connections it reached.
/// </summary>
internal static class PublicationCodec
{
    /// <summary>The object's fields after the script's, without the opening brace.</summary>
    public static string Tail(Publication publication, string origin, long call)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("o", origin);
            json.WriteNumber("i", call);
            PublicationJson.WriteFields(json, publication);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan[1..]);
    }

    /// <summary>Reads a message or history entry; null when it is not one of ours.</summary>
    public static Publication? Read(ReadOnlyMemory<byte> payload, out string? origin, out long call)
    {
        origin = null;
        call = 0;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            origin = root.TryGetProperty("o", out var o) ? o.GetString() : null;
            call = root.TryGetProperty("i", out var i) ? i.GetInt64() : 0;
            StreamPosition? position = root.TryGetProperty("s", out var s) && root.TryGetProperty("ep", out var ep)
                ? new StreamPosition(ep.GetString()!, s.GetInt64())
                : null;
            return PublicationJson.ReadFields(root, position, DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("t").GetInt64()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
