using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Outcry.EngineIO;

namespace Outcry.SocketIO.Internal;

/// <summary>
/// Socket.IO v5 packet encoding: <c>&lt;type&gt;[&lt;#attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][&lt;JSON&gt;]</c>.
/// Returns the Engine.IO packets (the text packet, then one per attachment), ready to hand to any number
/// of connections: a broadcast is encoded once.
/// </summary>
internal static class PacketEncoder
{
    [ThreadStatic]
    private static Scratch? t_scratch;

    public static EnginePacket[] Event(string nsp, string eventName, ReadOnlySpan<object?> args, long ackId = -1)
    {
        var scratch = Scratch.Rent();
        var json = scratch.Json;
        json.WriteStartArray();
        json.WriteStringValue(eventName);
        foreach (var arg in args)
        {
            PayloadWriter.WriteValue(json, arg, scratch.Attachments);
        }

        json.WriteEndArray();
        return Finish(scratch, scratch.Attachments.Count > 0 ? PacketType.BinaryEvent : PacketType.Event, nsp, ackId);
    }

    public static EnginePacket[] Ack(string nsp, long ackId, ReadOnlySpan<object?> args)
    {
        var scratch = Scratch.Rent();
        var json = scratch.Json;
        json.WriteStartArray();
        foreach (var arg in args)
        {
            PayloadWriter.WriteValue(json, arg, scratch.Attachments);
        }

        json.WriteEndArray();
        return Finish(scratch, scratch.Attachments.Count > 0 ? PacketType.BinaryAck : PacketType.Ack, nsp, ackId);
    }

    // 0/nsp,{"sid":"…"} — with connection state recovery 0/nsp,{"sid":"…","pid":"…"}
    public static EnginePacket Connect(string nsp, string sid, string? pid = null)
    {
        var scratch = Scratch.Rent();
        scratch.Json.WriteStartObject();
        scratch.Json.WriteString("sid", sid);
        if (pid is not null)
        {
            scratch.Json.WriteString("pid", pid);
        }

        scratch.Json.WriteEndObject();
        return Finish(scratch, PacketType.Connect, nsp, -1)[0];
    }

    // 4/nsp,{"message":"…","data":…}
    public static EnginePacket ConnectError(string nsp, string message, object? data)
    {
        var scratch = Scratch.Rent();
        var json = scratch.Json;
        json.WriteStartObject();
        json.WriteString("message", message);
        if (data is not null)
        {
            json.WritePropertyName("data");
            PayloadWriter.WriteValue(json, data, scratch.Attachments);
        }

        json.WriteEndObject();
        return Finish(scratch, PacketType.ConnectError, nsp, -1)[0];
    }

    // 1/nsp,
    public static EnginePacket Disconnect(string nsp)
    {
        var scratch = Scratch.Rent();
        return Finish(scratch, PacketType.Disconnect, nsp, -1, withData: false)[0];
    }

    private static EnginePacket[] Finish(Scratch scratch, PacketType type, string nsp, long ackId, bool withData = true)
    {
        try
        {
            scratch.Json.Flush();
            var header = scratch.Header;
            header.Append((char)('0' + (int)type));
            var attachments = scratch.Attachments;
            if (type is PacketType.BinaryEvent or PacketType.BinaryAck)
            {
                header.Append(attachments.Count.ToString(CultureInfo.InvariantCulture)).Append('-');
            }

            if (nsp != "/")
            {
                header.Append(nsp).Append(',');
            }

            if (ackId >= 0)
            {
                header.Append(ackId.ToString(CultureInfo.InvariantCulture));
            }

            var headerBytes = Encoding.UTF8.GetByteCount(header.ToString());
            var body = withData ? scratch.Buffer.WrittenSpan : [];
            var packets = new EnginePacket[1 + attachments.Count];
            var text = new byte[1 + headerBytes + body.Length];
            Encoding.UTF8.GetBytes(header.ToString(), text.AsSpan(1));
            body.CopyTo(text.AsSpan(1 + headerBytes));
            packets[0] = EnginePacket.MessageInPlace(text);
            for (var i = 0; i < attachments.Count; i++)
            {
                packets[i + 1] = EnginePacket.Binary(attachments[i]);
            }

            return packets;
        }
        finally
        {
            scratch.Return();
        }
    }

    /// <summary>Per-thread buffers reused across encodings; they live as long as their thread, so nothing is disposed.</summary>
#pragma warning disable CA1001
    private sealed class Scratch
    {
        public readonly ArrayBufferWriter<byte> Buffer = new(1024);
        public readonly List<ReadOnlyMemory<byte>> Attachments = [];
        public readonly StringBuilder Header = new(32);
        public readonly Utf8JsonWriter Json;
        private bool _inUse;

        private Scratch()
        {
            Json = new Utf8JsonWriter(Buffer, new JsonWriterOptions { Encoder = PayloadWriter.JsonOptions.Encoder, SkipValidation = true });
        }

        public static Scratch Rent()
        {
            var scratch = t_scratch ??= new Scratch();
            if (scratch._inUse)
            {
                // Re-entered from a serializer callback on this thread: use a fresh one.
                scratch = new Scratch();
            }

            scratch._inUse = true;
            return scratch;
        }

        public void Return()
        {
            Buffer.ResetWrittenCount();
            Attachments.Clear();
            Header.Clear();
            Json.Reset();
            _inUse = false;
        }
    }
#pragma warning restore CA1001
}
