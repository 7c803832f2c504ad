using Outcry.Bench.Measure;

namespace Outcry.Bench.Scenarios;

/// <summary>
/// (a) N subscribers in one room; M messages published through the HTTP API as fast as they are accepted (one after
/// the other, so their order is defined) → deliveries per second until every client has every message.
/// </summary>
internal static class Fanout
{
    public static async Task<Result> RunAsync(Target target, Options options)
    {
        var clients = options.Int("clients", 5000);
        var messages = options.Int("messages", 200);
        var size = options.Int("size", 100);
        var runs = options.Int("runs", 3);
        var setup = $"{clients:N0} clients in 1 room, {messages} messages of {size} B"
            + (target.NodeCount > 1 ? $", over {target.NodeCount} nodes and Redis (clients spread evenly, published through one node)" : "");
        var (pool, connected) = await WorkerPool.StartAsync(target.Wire, target.Server, clients, rooms: 1, spreadMs: 0).ConfigureAwait(false);
        await using (pool.ConfigureAwait(false))
        {
            // Beside its peers in the report, which measured their runs: the same setup as a median of them.
            var unconnected = new Result("fanout", target.Name, Result.MedianSetup(setup, runs));
            if (!unconnected.AllConnected(connected))
            {
                return unconnected;
            }

            long seq = 0;
            async Task PublishAsync(int count)
            {
                for (var i = 0; i < count; i++)
                {
                    await target.PublishAsync(Worker.RoomName(0), Stamp.Body(seq++, Stamp.Now, size)).ConfigureAwait(false);
                }
            }

            // Warm-up: JIT, buffers, connection pools; not measured.
            var warm = Stamp.Now;
            await PublishAsync(Math.Max(1, messages / 2)).ConfigureAwait(false);
            await Delivery.WaitAsync(pool, clients * seq, warm, $"fanout {target.Name} warm-up").ConfigureAwait(false);

            var results = new List<Result>();
            for (var run = 1; run <= runs; run++)
            {
                await pool.ResetAsync().ConfigureAwait(false);
                var cpu = target.CpuSeconds();
                var started = Stamp.Now;
                await PublishAsync(messages).ConfigureAwait(false);
                var expected = (long)clients * messages;
                await Delivery.WaitAsync(pool, expected, started, $"fanout {target.Name} run {run}/{runs}").ConfigureAwait(false);
                var cpuUsed = target.CpuSeconds() - cpu;
                var report = await pool.ReportAsync([seq]).ConfigureAwait(false);
                var seconds = Stamp.MicrosBetween(started, report.Last) / 1e6;
                var result = new Result("fanout", target.Name, setup)
                    .Add("deliveries/s", report.Received / seconds)
                    .Add("server µs/delivery", cpuUsed * 1e6 / Math.Max(1, report.Received));
                Delivery.Judge(result, report, expected);
                results.Add(result);
            }

            return Result.Median(results);
        }
    }
}
