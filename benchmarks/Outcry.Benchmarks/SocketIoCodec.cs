using BenchmarkDotNet.Attributes;
using Outcry.Benchmarks.Internal;
using Outcry.EngineIO;
using Outcry.SocketIO.Internal;

namespace Outcry.Benchmarks;

/// <summary>
/// Socket.IO v5 packets: <c>&lt;type&gt;[&lt;#attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][&lt;JSON&gt;]</c>.
/// Encoding happens once per broadcast, decoding once per inbound packet.
/// </summary>
[MemoryDiagnoser]
public class SocketIoCodec
{
    private readonly int _maxAttachments = new SocketIO.SocketIoOptions().MaxAttachments;
    private readonly ReadOnlyMemory<byte> _eventPacket = Samples.EventPacket;
    private readonly byte[] _binaryEventPacket = Samples.BinaryEventPacket;
    private readonly byte[] _attachment = Samples.Attachment;
    private readonly object?[] _eventArgs = [Samples.Data];
    private readonly object?[] _binaryArgs = [Samples.UploadMeta, Samples.Attachment];

    [GlobalSetup]
    public void CheckOutputs()
    {
        // A benchmark of a codec that writes the wrong bytes measures nothing: check them once.
        var encoded = EncodeEvent();
        if (encoded.Length != 1 || !encoded[0].Data.Span.SequenceEqual(Samples.EventMessage))
        {
            throw new InvalidOperationException("EncodeEvent did not write " + System.Text.Encoding.UTF8.GetString(Samples.EventMessage));
        }

        var binary = EncodeBinaryEvent();
        if (binary.Length != 2 || !binary[0].Data.Span[1..].SequenceEqual(Samples.BinaryEventPacket) || !binary[1].Data.Span.SequenceEqual(Samples.Attachment))
        {
            throw new InvalidOperationException("EncodeBinaryEvent did not write the expected packets");
        }

        if (!DecodeEvent() || !DecodeBinaryEvent())
        {
            throw new InvalidOperationException("the sample packets did not decode");
        }
    }

    /// <summary><c>["m",{…}]</c> → <c>42["m",{…}]</c>: the text event a publication becomes (100 bytes).</summary>
    [Benchmark]
    public EnginePacket[] EncodeEvent() => PacketEncoder.Event("/", Samples.Event, _eventArgs);

    /// <summary><c>2["m",{…}]</c> → a packet with its parsed JSON (what every inbound event costs).</summary>
    [Benchmark]
    public bool DecodeEvent() =>
        PacketDecoder.TryDecode(_eventPacket.Span, _maxAttachments, out var packet, out _) && packet!.IsComplete;

    /// <summary>An event with one 1 KiB attachment → <c>451-["upload",{…},{"_placeholder":true,"num":0}]</c> + one binary packet.</summary>
    [Benchmark]
    public EnginePacket[] EncodeBinaryEvent() => PacketEncoder.Event("/", "upload", _binaryArgs);

    /// <summary>The header packet, then its attachment, then the placeholder check (as the client reassembles it).</summary>
    [Benchmark]
    public bool DecodeBinaryEvent()
    {
        if (!PacketDecoder.TryDecode(_binaryEventPacket, _maxAttachments, out var packet, out _))
        {
            return false;
        }

        packet!.Attachments.Add(_attachment);
        return packet.IsComplete && PacketDecoder.PlaceholdersAreValid(packet.Data, packet.AttachmentCount);
    }
}
