using System.Collections.Concurrent;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// A few dedicated threads that write the WebSocket connections that have frames queued. A publish only marks its
/// recipients ready and goes on to the next one; a thread then writes each ready connection's whole queue at once.
/// Under load, frames pile up between two turns of a connection and leave in one write, so the cost of a write is
/// shared by many frames; at rest a frame leaves as soon as a thread takes it. Shared by every server of the
/// process, as the cores are.
/// </summary>
internal sealed class FlushThreads
{
    // One per two cores: fewer threads make bigger writes (measured: on 2 cores, one thread gives 557k deliveries/s,
    // two 311k), and the cores left serve the requests that publish and the rest of the server.
    public static readonly FlushThreads Shared = new(Math.Clamp(Environment.ProcessorCount / 2, 1, 8));

    private readonly Lane[] _lanes;
    private uint _next;

    private FlushThreads(int count)
    {
        _lanes = new Lane[count];
        for (var i = 0; i < count; i++)
        {
            _lanes[i] = new Lane(i);
        }
    }

    /// <summary>The lane a new connection is written on, for its whole life: one connection, one thread at a time.</summary>
    public Lane Assign() => _lanes[Interlocked.Increment(ref _next) % (uint)_lanes.Length];

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A lane lives as long as the process.")]
    internal sealed class Lane
    {
        private readonly ConcurrentQueue<WebSocketWriter> _ready = new();
        private readonly List<EnginePacket> _packets = [];
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 100);
        private int _sleeping;

        public Lane(int index)
        {
            new Thread(Run) { IsBackground = true, Name = $"Outcry WebSocket flush {index}" }.Start();
        }

        public void Add(WebSocketWriter writer)
        {
            _ready.Enqueue(writer);
            if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                _wake.Set();
            }
        }

        private void Run()
        {
            while (true)
            {
                while (_ready.TryDequeue(out var writer))
                {
                    // Never throws: a writer handles its own connection's failures.
                    writer.Flush(_packets);
                }

                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 1);
                if (!_ready.IsEmpty)
                {
                    // Something came between the last dequeue and the flag: no one will wake us for it.
                    Volatile.Write(ref _sleeping, 0);
                    continue;
                }

                _wake.Wait();
            }
        }
    }
}
