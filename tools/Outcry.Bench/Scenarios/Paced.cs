using Outcry.Bench.Measure;

namespace Outcry.Bench.Scenarios;

/// <summary>
/// (b) R rooms × S subscribers with R·S clients, publishes at a fixed rate spread over the rooms, round robin; or, with
/// <c>broadcast</c>, every client in one stream published to everyone. Each message carries the time it was
/// *scheduled*, so a server (or publisher) that falls behind shows as latency, not as a slower rate. Options:
/// --clients, --rooms, --rate, --seconds (each measured run), --runs (3; figures are their medians), --warmup (seconds at
/// the same rate before), --size.
/// </summary>
internal static class Paced
{
    public static async Task<Result> RunAsync(Target target, Options options, bool broadcast, bool curve = false)
    {
        var clients = options.Int("clients", 10_000);
        var rooms = broadcast ? 1 : options.Int("rooms", 100);
        var rate = options.Double("rate", broadcast ? 5 : 1000);
        var seconds = options.Double("seconds", 10);
        var size = options.Int("size", 100);
        var name = broadcast ? "broadcast" : curve ? "rooms-curve" : "rooms";
        var setup = broadcast
            ? $"{clients:N0} clients, broadcast to all at {rate:N0}/s for {seconds:N0} s, {size} B"
            : $"{clients:N0} clients in {rooms} rooms, {rate:N0} room publishes/s for {seconds:N0} s, {size} B";
        var (pool, connected) = await WorkerPool.StartAsync(target.Wire, target.Server, clients, rooms, spreadMs: 0).ConfigureAwait(false);
        await using (pool.ConfigureAwait(false))
        {
            // --runs measured windows of --seconds each (3 by default, as the targets are medians of 3 runs): one
            // window alone is at the mercy of a noisy minute on a shared machine.
            var runs = options.Int("runs", 3);
            var failed = new Result(name, target.Name, Result.MedianSetup(setup, runs));
            if (curve)
            {
                failed.Add("connections", connected.Ok);
            }

            if (!failed.AllConnected(connected))
            {
                return failed;
            }

            var perRoom = new long[rooms];
            var members = Enumerable.Range(0, rooms).Select(r => (long)((clients / rooms) + (r < clients % rooms ? 1 : 0))).ToArray();
            var tails = Enumerable.Repeat(Task.CompletedTask, rooms).ToArray();
            var answered = new LatencyHistogram(); // from a publish's intended time to the server's answer

            // Publishes to one room are chained, so they reach the server in order; rooms run side by side.
            async Task PublishForAsync(double duration)
            {
                var start = Stamp.Now;
                var count = (long)(duration * rate);
                for (long i = 0; i < count; i++)
                {
                    var intended = start + (long)(i / rate * System.Diagnostics.Stopwatch.Frequency);
                    // Sleep, never spin: the generator shares the two cores with the server, and spinning between
                    // publishes 1 ms apart took most of one. A timer wakes up to about a millisecond late; the
                    // message then leaves late, with the publishes due meanwhile, and its latency counts from the
                    // intended time all the same.
                    var ahead = Stamp.MicrosBetween(Stamp.Now, intended);
                    if (ahead > 0)
                    {
                        await Task.Delay(TimeSpan.FromMicroseconds(ahead)).ConfigureAwait(false);
                    }

                    var room = (int)(i % rooms);
                    var body = Stamp.Body(perRoom[room]++, intended, size);
                    var previous = tails[room];
                    tails[room] = Task.Run(async () =>
                    {
                        await previous.ConfigureAwait(false);
                        await (broadcast ? target.BroadcastAsync(body) : target.PublishAsync(Worker.RoomName(room), body)).ConfigureAwait(false);
                        lock (answered)
                        {
                            answered.Record(Stamp.MicrosBetween(intended, Stamp.Now));
                        }
                    });
                }

                await Task.WhenAll(tails).ConfigureAwait(false);
            }

            long Expected() => perRoom.Select((count, room) => count * members[room]).Sum();

            // Warm-up at the same rate, not measured. 10 s by default: after 3 s, a .NET server's tiered JIT (tier 0, then
            // instrumented, then optimized with the profile) was still at work, and the first 4 s measured held most of
            // the slowest deliveries (rooms, Outcry: p99 above 100 ms per 2 s there, 10-30 ms after).
            var warm = Stamp.Now;
            await PublishForAsync(options.Double("warmup", 10)).ConfigureAwait(false);
            await Delivery.WaitAsync(pool, Expected(), warm, $"{name} {target.Name} warm-up").ConfigureAwait(false);
            var measured = new List<Result>();
            for (var run = 1; run <= runs; run++)
            {
                await pool.ResetAsync().ConfigureAwait(false);
                answered.Clear();
                var before = Expected();
                var publishedBefore = perRoom.Sum();
                var cpu = target.CpuSeconds();
                var started = Stamp.Now;
                await PublishForAsync(seconds).ConfigureAwait(false);
                var published = perRoom.Sum() - publishedBefore;
                await Delivery.WaitAsync(pool, Expected() - before, started, $"{name} {target.Name} run {run}/{runs}").ConfigureAwait(false);
                var cpuUsed = target.CpuSeconds() - cpu;
                var report = await pool.ReportAsync(perRoom).ConfigureAwait(false);
                var window = new Result(name, target.Name, setup);
                if (curve)
                {
                    window.Add("connections", connected.Ok);
                }

                window.Add("publishes/s", published / (Stamp.MicrosBetween(started, report.Last) / 1e6))
                    .Add("deliveries/s", report.Received / (Stamp.MicrosBetween(started, report.Last) / 1e6))
                    .Add("server µs/delivery", cpuUsed * 1e6 / Math.Max(1, report.Received));
                Delivery.Judge(window, report, Expected() - before);
                window.Add("publish answered p99 ms", answered.Percentile(99) / 1000);
                measured.Add(window);
            }

            var median = Result.Median(measured);
            if (runs > 1)
            {
                median.Add(Result.SlowestRunP99, measured.Max(r => r.Figure("p99 ms")));
            }

            return median;
        }
    }
}
