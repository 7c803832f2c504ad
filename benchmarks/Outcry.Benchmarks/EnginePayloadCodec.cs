using System.Buffers;
using BenchmarkDotNet.Attributes;
using Outcry.Benchmarks.Internal;
using Outcry.EngineIO;
using Outcry.EngineIO.Internal;
using Outcry.SocketIO.Internal;

namespace Outcry.Benchmarks;

/// <summary>
/// Engine.IO v4 polling payloads: <c>&lt;packet&gt;\x1e&lt;packet&gt;…</c>, a binary packet as <c>b&lt;base64&gt;</c>.
/// A GET answers with every packet queued (encode); a POST carries what the client sent (decode).
/// </summary>
[MemoryDiagnoser]
public class EnginePayloadCodec
{
    // The host's GET allocates a fresh writer per answer; here one is reused so that only the codec is measured.
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly List<DecodedPacket> _decoded = [];
    private EnginePacket[] _events = [];
    private EnginePacket[] _binaryEvents = [];
    private byte[] _eventsBody = [];
    private byte[] _binaryBody = [];

    /// <summary>Packets in the payload: text events, or binary events of two packets each (header + 1 KiB attachment).</summary>
    [Params(1, 10)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _events = [.. Enumerable.Range(0, Events).Select(_ => EnginePacket.Message(Samples.EventPacket.Span))];
        object?[] args = [Samples.UploadMeta, Samples.Attachment];
        _binaryEvents = [.. Enumerable.Range(0, Events).SelectMany(_ => PacketEncoder.Event("/", "upload", args))];
        _eventsBody = Encode(_events);
        _binaryBody = Encode(_binaryEvents);
        if (Decode(_eventsBody) != Events || Decode(_binaryBody) != 2 * Events)
        {
            throw new InvalidOperationException("the sample payloads did not decode");
        }
    }

    /// <summary>N text events (100 bytes each) into one GET answer.</summary>
    [Benchmark]
    public int EncodeText() => EncodeInto(_events);

    /// <summary>One POST body of N text events into packets.</summary>
    [Benchmark]
    public int DecodeText() => Decode(_eventsBody);

    /// <summary>N binary events (header + 1 KiB attachment, base64) into one GET answer.</summary>
    [Benchmark]
    public int EncodeBinary() => EncodeInto(_binaryEvents);

    /// <summary>One POST body of N binary events (header + 'b'+base64 attachment) into packets.</summary>
    [Benchmark]
    public int DecodeBinary() => Decode(_binaryBody);

    private int EncodeInto(EnginePacket[] packets)
    {
        _output.ResetWrittenCount();
        PollingPayload.Encode(packets, _output);
        return _output.WrittenCount;
    }

    private int Decode(byte[] body)
    {
        _decoded.Clear();
        return PollingPayload.TryDecode(body, _decoded) ? _decoded.Count : -1;
    }

    private static byte[] Encode(EnginePacket[] packets)
    {
        var output = new ArrayBufferWriter<byte>();
        PollingPayload.Encode(packets, output);
        return output.WrittenSpan.ToArray();
    }
}
