using System.Buffers;
using System.Buffers.Text;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// Engine.IO v4 polling payload: &lt;packet&gt;\x1e&lt;packet&gt;… where a binary packet is written
/// as 'b' followed by its base64 (https://github.com/socketio/engine.io-protocol#packet-encoding).
/// </summary>
internal static class PollingPayload
{
    public const byte Separator = 0x1e;

    public static void Encode(IReadOnlyList<EnginePacket> packets, IBufferWriter<byte> output)
    {
        for (var i = 0; i < packets.Count; i++)
        {
            if (i > 0)
            {
                output.GetSpan(1)[0] = Separator;
                output.Advance(1);
            }

            var packet = packets[i];
            var data = packet.Data.Span;
            if (!packet.IsBinary)
            {
                output.Write(data);
                continue;
            }

            var length = Base64.GetMaxEncodedToUtf8Length(data.Length) + 1;
            var span = output.GetSpan(length);
            span[0] = (byte)'b';
            Base64.EncodeToUtf8(data, span[1..], out _, out var written);
            output.Advance(written + 1);
        }
    }

    /// <summary>
    /// Splits a POST body into packets. Returns false for a malformed payload (empty packet, bad base64,
    /// unknown type), which the reference server treats as a parse error.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, List<DecodedPacket> packets)
    {
        while (true)
        {
            var end = body.IndexOf(Separator);
            var segment = end < 0 ? body : body[..end];
            if (!TryDecodePacket(segment, out var packet))
            {
                return false;
            }

            packets.Add(packet);
            if (end < 0)
            {
                return true;
            }

            body = body[(end + 1)..];
        }
    }

    private static bool TryDecodePacket(ReadOnlySpan<byte> segment, out DecodedPacket packet)
    {
        packet = default;
        if (segment.IsEmpty)
        {
            return false;
        }

        if (segment[0] == (byte)'b')
        {
            var base64 = segment[1..];
            var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
            if (Base64.DecodeFromUtf8(base64, bytes, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            packet = new DecodedPacket(EnginePacketType.Message, bytes.AsMemory(0, written), IsBinary: true);
            return true;
        }

        var type = segment[0] - '0';
        if (type is < 0 or > 6)
        {
            return false;
        }

        packet = new DecodedPacket((EnginePacketType)type, segment[1..].ToArray(), IsBinary: false);
        return true;
    }
}

internal enum EnginePacketType
{
    Open = 0,
    Close = 1,
    Ping = 2,
    Pong = 3,
    Message = 4,
    Upgrade = 5,
    Noop = 6,
}

/// <summary>An inbound packet: its type and the data after the type digit (or the raw bytes of a binary one).</summary>
internal readonly record struct DecodedPacket(EnginePacketType Type, ReadOnlyMemory<byte> Data, bool IsBinary)
{
    public static bool TryParseFrame(ReadOnlyMemory<byte> frame, bool isBinary, out DecodedPacket packet)
    {
        if (isBinary)
        {
            packet = new DecodedPacket(EnginePacketType.Message, frame, true);
            return true;
        }

        packet = default;
        if (frame.IsEmpty)
        {
            return false;
        }

        var type = frame.Span[0] - '0';
        if (type is < 0 or > 6)
        {
            return false;
        }

        packet = new DecodedPacket((EnginePacketType)type, frame[1..], false);
        return true;
    }
}
