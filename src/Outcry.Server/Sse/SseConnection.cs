using System.Buffers;
using Outcry.Core;
using Outcry.EngineIO;

namespace Outcry.Server.Sse;

/// <summary>
/// One EventSource: its rooms, and its bounded outbound queue (the same slow-consumer policy as sockets). Live
/// events wait while the connection starts (replay or current state), then go out after it, each position once.
/// </summary>
internal sealed class SseConnection
{
    private readonly OutboundQueue<SseFrame> _queue;
    private readonly SseCounters _counters;
    private readonly Action<SseConnection> _onTooSlow;
    private readonly Lock _gate = new();
    private List<SseFrame>? _held = [];
    private long _last;
    private int _wrote;
    private int _cutOff;

    public SseConnection(string id, string ns, ClientIdentity identity, IReadOnlySet<string> rooms, EngineIoOptions limits, SseCounters counters, Action<SseConnection> onTooSlow)
    {
        Id = id;
        Namespace = ns;
        Identity = identity;
        Rooms = rooms;
        _counters = counters;
        _onTooSlow = onTooSlow;
        _queue = new OutboundQueue<SseFrame>(limits.MaxQueuedPackets, limits.BacklogThreshold);
    }

    public string Id { get; }

    public string Namespace { get; }

    public ClientIdentity Identity { get; }

    public IReadOnlySet<string> Rooms { get; }

    /// <summary>Drops the HTTP connection at once (a slow consumer whose writes are stuck).</summary>
    public Action? Abort { get; set; }

    /// <summary>Queues a frame (or holds it while the connection starts).</summary>
    public void Offer(SseFrame frame)
    {
        lock (_gate)
        {
            if (_held is not null)
            {
                _held.Add(frame);
                return;
            }

            Push(frame);
        }
    }

    /// <summary>
    /// Sends <paramref name="first"/> (the connect event, then the missed events or the current state), then what was
    /// held meanwhile; from then on, live. Positions up to <paramref name="since"/> are not sent again.
    /// </summary>
    public void Start(long since, IEnumerable<SseFrame> first)
    {
        lock (_gate)
        {
            _last = since;
            foreach (var frame in first)
            {
                Push(frame);
            }

            foreach (var frame in _held!)
            {
                Push(frame);
            }

            _held = null;
        }
    }

    /// <summary>
    /// Ends the stream once what is queued went out (shutdown). The endpoint also calls it when the stream ended: the
    /// completed queue gives its shared slots back.
    /// </summary>
    public void End() => _queue.Complete(SseFrame.End);

    /// <summary>Writes queued frames to <paramref name="response"/> until the queue ends or the client goes.</summary>
    public async Task WriteLoopAsync(HttpResponse response, CancellationToken aborted)
    {
        var writer = response.BodyWriter;
        while (await _queue.WaitToReadAsync(aborted).ConfigureAwait(false))
        {
            while (_queue.TryDequeue(out var frame))
            {
                if (ReferenceEquals(frame, SseFrame.End))
                {
                    await writer.FlushAsync(aborted).ConfigureAwait(false);
                    return;
                }

                writer.Write(frame.Bytes);
            }

            Volatile.Write(ref _wrote, 1);
            await writer.FlushAsync(aborted).ConfigureAwait(false);
        }
    }

    /// <summary>Called every keep-alive interval: a comment goes out if nothing else did since the last call.</summary>
    public void KeepAliveTick()
    {
        if (Interlocked.Exchange(ref _wrote, 0) == 0)
        {
            Offer(SseFrame.KeepAlive);
        }
    }

    // Under _gate.
    private void Push(SseFrame frame)
    {
        if (frame.Position > 0)
        {
            if (frame.Position <= _last)
            {
                return;
            }

            _last = frame.Position;
        }

        switch (_queue.Enqueue(frame, out var superseded))
        {
            case Enqueued.Dropped:
                Interlocked.Increment(ref _counters.Dropped);
                break;
            case Enqueued.Full:
                if (Interlocked.Exchange(ref _cutOff, 1) == 0)
                {
                    Interlocked.Increment(ref _counters.SlowConsumers);
                    _onTooSlow(this);
                }

                break;
            default:
                Interlocked.Add(ref _counters.Conflated, superseded);
                break;
        }
    }
}

/// <summary>SSE counters for /metrics (added to the sockets' own where the concept is the same).</summary>
internal sealed class SseCounters
{
    public long Connections;
    public long Dropped;
    public long Conflated;
    public long SlowConsumers;
}
