using Outcry.Bench.Measure;

namespace Outcry.Bench.Scenarios;

/// <summary>
/// (d) K clients connecting at once (<c>--over 0</c>: as fast as they are accepted → handshakes per second), or
/// spread evenly over a few seconds, as after a server restart (time to CONNECT counted from each one's intended start).
/// </summary>
internal static class Storm
{
    public static async Task<Result> RunAsync(Target target, Options options)
    {
        var clients = options.Int("clients", 19_000);
        var over = options.Double("over", 0);
        var setup = over > 0 ? $"{clients:N0} clients connecting within {over:N0} s" : $"{clients:N0} clients connecting at once (1,024 at a time per worker)";
        var (pool, connected) = await WorkerPool.StartAsync(target.Wire, target.Server, clients, rooms: 100, spreadMs: (int)(over * 1000), concurrency: 1024).ConfigureAwait(false);
        await using (pool.ConfigureAwait(false))
        {
            var result = new Result("storm", target.Name, setup)
                .Add("connected", connected.Ok)
                .Add("handshakes/s", connected.Ok / connected.Seconds)
                .Add("p50 ms", connected.Latency.Percentile(50) / 1000)
                .Add("p99 ms", connected.Latency.Percentile(99) / 1000)
                .Add("max ms", connected.Latency.Percentile(100) / 1000);
            result.AllConnected(connected);
            return result;
        }
    }
}
