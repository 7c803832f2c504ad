using BenchmarkDotNet.Attributes;
using Outcry.Benchmarks.Internal;

namespace Outcry.Benchmarks;

/// <summary>
/// One message to a room of N WebSocket connections, end to end without a network: encode once, enqueue per recipient,
/// then a flush thread takes every ready connection, dequeues and writes the frame built once for the broadcast
/// (server frames are unmasked: 2-byte header + 100 bytes). An operation ends when all N frames were written.
/// Allocations are counted for the whole process, so the writers' are included.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FanOutConfig))]
public class FanOutWebSocket
{
    private const string Lot = "lot:100";

    private readonly object?[] _args = [Samples.Data];
    private WebSocketCluster _cluster = null!;
    private long _bytesPerBroadcast;

    [Params(1, 100, 10_000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _cluster = WebSocketCluster.Start(Recipients, static (socket, _) => socket.Join(Lot));
        _bytesPerBroadcast = (long)Recipients * (2 + Samples.EventMessage.Length);

        var before = _cluster.Written.Total;
        Room();
        if (!_cluster.Written.IsQuiet(TimeSpan.FromMilliseconds(200)) || _cluster.Written.Total - before != _bytesPerBroadcast)
        {
            throw new InvalidOperationException($"one broadcast wrote {_cluster.Written.Total - before} bytes, not {_bytesPerBroadcast}");
        }
    }

    /// <summary><c>io.to("lot:100").emit("m", data)</c>, until every recipient's frame has been written.</summary>
    [Benchmark]
    public int Room()
    {
        _cluster.Written.Expect(_bytesPerBroadcast);
        var recipients = _cluster.Root.To(Lot).Emit(Samples.Event, _args);
        _cluster.Written.Wait();
        return recipients;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster.Stop();
        _cluster.Written.Dispose();
    }
}
