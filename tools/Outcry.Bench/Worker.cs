using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Outcry.Bench.Measure;
using Outcry.Bench.Net;

namespace Outcry.Bench;

/// <summary>
/// One generator process: opens its share of the clients, checks and times every event they receive, and answers the
/// coordinator's commands on stdin with one JSON line each on stdout. A process may hold at most 20,000 open files
/// here, so big runs are split over several workers, each from its own source address.
/// </summary>
internal sealed class Worker : IEventSink
{
    private readonly WorkerArgs _args;
    private readonly Wire _wire;
    private readonly ConcurrentBag<ThreadState> _threads = [];
    private readonly List<WsClient> _clients = [];
    private readonly List<PollClient> _polls = []; // wire "polling": idle long-polling sessions, no events
    private long _received;

    private Worker(WorkerArgs args)
    {
        _args = args;
        _wire = args.Wire == "signalr" ? new SignalRWire() : new SocketIoWire();
    }

    // One worker per process: each receiving thread records into its own histogram, merged at report time.
    [ThreadStatic]
    private static ThreadState? t_thread;

    public static async Task<int> RunAsync(WorkerArgs args)
    {
        var worker = new Worker(args);
        await worker.ConnectAllAsync().ConfigureAwait(false);
        await worker.ServeAsync().ConfigureAwait(false);
        return 0;
    }

    public void OnEvent(WsClient client, ReadOnlySpan<byte> payload)
    {
        var now = Stamp.Now;
        var thread = t_thread;
        if (thread is null)
        {
            t_thread = thread = new ThreadState();
            _threads.Add(thread);
        }

        client.Received++;
        if (!Stamp.TryRead(payload, out var seq, out var intended))
        {
            client.Errors++;
            return;
        }

        if (seq != client.NextSeq)
        {
            client.Errors++;
        }

        client.NextSeq = seq + 1;
        thread.Latency.Record(Stamp.MicrosBetween(intended, now));
        if (thread.First == 0)
        {
            thread.First = now;
        }

        thread.Last = now;
        Interlocked.Increment(ref _received);
    }

    private async Task ConnectAllAsync()
    {
        var servers = _args.Server.Split(',').Select(IPEndPoint.Parse).ToArray();
        var source = IPAddress.Parse(_args.Source);
        var connect = new LatencyHistogram();
        var failed = 0;
        string? error = null;
        using var gate = new SemaphoreSlim(_args.Concurrency);
        var started = Stamp.Now;
        var spreadTicks = _args.SpreadMs * (System.Diagnostics.Stopwatch.Frequency / 1000);
        var tasks = Enumerable.Range(0, _args.Count).Select(async i =>
        {
            var index = _args.First + i;
            var room = index % _args.Rooms;
            long from;
            if (_args.SpreadMs > 0)
            {
                // A storm: each client has its own intended start, and the time to its CONNECT counts from there.
                from = started + (spreadTicks * i / _args.Count);
                var wait = Stamp.MicrosBetween(Stamp.Now, from);
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMicroseconds(wait)).ConfigureAwait(false);
                }
            }
            else
            {
                await gate.WaitAsync().ConfigureAwait(false);
                from = Stamp.Now;
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var server = servers[index % servers.Length];
                WsClient? client = null;
                PollClient? poll = null;
                if (_args.Wire == "polling")
                {
                    poll = await PollClient.OpenAsync(server, source, RoomName(room), timeout.Token).ConfigureAwait(false);
                    _ = poll.RunAsync();
                }
                else
                {
                    client = await WsClient.OpenAsync(server, source, _wire, this, room, RoomName(room), timeout.Token).ConfigureAwait(false);
                    await client.Connected.WaitAsync(timeout.Token).ConfigureAwait(false);
                }

                var took = Stamp.MicrosBetween(from, Stamp.Now);
                lock (_clients)
                {
                    if (client is not null)
                    {
                        _clients.Add(client);
                    }
                    else
                    {
                        _polls.Add(poll!);
                    }

                    connect.Record(took);
                }
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref error, e.Message, null);
            }
            finally
            {
                if (_args.SpreadMs == 0)
                {
                    gate.Release();
                }
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        Reply(new
        {
            type = "connected",
            ok = _clients.Count + _polls.Count,
            failed,
            error,
            seconds = Stamp.MicrosBetween(started, Stamp.Now) / 1e6,
            connect = connect.Counts,
        });
    }

    private async Task ServeAsync()
    {
        using var keepAlive = _wire.KeepAliveEvery > TimeSpan.Zero
            ? new Timer(_ => _clients.ForEach(c => c.Send(_wire.KeepAlive)), null, _wire.KeepAliveEvery, _wire.KeepAliveEvery)
            : null;
        while (await ReadCommandAsync().ConfigureAwait(false) is { } line)
        {
            var (command, argument) = line.IndexOf(' ', StringComparison.Ordinal) is var space and > 0 ? (line[..space], line[(space + 1)..]) : (line, "");
            switch (command)
            {
                case "received":
                    Reply(new { type = "received", received = Interlocked.Read(ref _received) });
                    break;
                case "reset":
                    Interlocked.Exchange(ref _received, 0);
                    foreach (var thread in _threads)
                    {
                        thread.Clear();
                    }

                    Reply(new { type = "reset" });
                    break;
                case "report":
                    Report(JsonSerializer.Deserialize<long[]>(argument)!);
                    break;
                case "exit":
                    _clients.ForEach(c => c.Dispose());
                    _polls.ForEach(c => c.Dispose());
                    return;
                default:
                    Reply(new { type = "error", error = "unknown command " + command });
                    break;
            }
        }
    }

    // Console.In reads synchronously, whatever the method's name; and with inline socket completions (WorkerPool) this
    // method may resume on a socket engine's thread. Blocked there, it stalled every socket of that engine, half of
    // them on two cores: polling clients stopped answering pings. So each line is read on a thread of its own.
    private static Task<string?> ReadCommandAsync() =>
        Task.Factory.StartNew(Console.In.ReadLine, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // Every client must have exactly the events published to its room, in order: its next expected sequence number
    // equals the number published there, and no event was out of place.
    private void Report(long[] publishedPerRoom)
    {
        var latency = new LatencyHistogram();
        long missing = 0, errors = 0, first = long.MaxValue, last = 0;
        foreach (var client in _clients)
        {
            missing += Math.Max(0, publishedPerRoom[client.Room] - client.NextSeq);
            errors += client.Errors + Math.Max(0, client.NextSeq - publishedPerRoom[client.Room]);
        }

        foreach (var thread in _threads)
        {
            latency.Add(thread.Latency.Counts);
            if (thread.First != 0)
            {
                first = Math.Min(first, thread.First);
                last = Math.Max(last, thread.Last);
            }
        }

        Reply(new { type = "report", received = Interlocked.Read(ref _received), missing, errors, first, last, latency = latency.Counts });
    }

    public static string RoomName(int room) => "r" + room;

    private static void Reply(object message) => Console.Out.WriteLine(JsonSerializer.Serialize(message));

    private sealed class ThreadState
    {
        public LatencyHistogram Latency { get; } = new();

        public long First { get; set; }

        public long Last { get; set; }

        public void Clear()
        {
            Latency.Clear();
            First = Last = 0;
        }
    }
}

/// <summary>A worker's share: clients First..First+Count-1 (client i is in room i % Rooms), from Source.</summary>
internal sealed record WorkerArgs(string Wire, string Server, string Source, int First, int Count, int Rooms, int Concurrency, int SpreadMs);
