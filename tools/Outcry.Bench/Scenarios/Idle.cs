using Outcry.Bench.Measure;

namespace Outcry.Bench.Scenarios;

/// <summary>(c) K idle WebSocket (or, with <c>--transport polling</c>, long-polling) clients → the server's memory per connection, after a full collection.</summary>
internal static class Idle
{
    public static async Task<Result> RunAsync(Target target, Options options)
    {
        var clients = options.Int("clients", 19_000);
        var polling = options.Get("transport", "websocket") == "polling";
        if (polling && target.Wire != "socketio")
        {
            throw new ArgumentException("--transport polling speaks Engine.IO: targets outcry and socketio only");
        }

        var result = new Result(polling ? "idle-polling" : "idle", target.Name, $"{clients:N0} idle {(polling ? "long-polling" : "WebSocket")} clients");
        var (rss0, heap0) = await ServerMemory.AfterCollectionAsync(target).ConfigureAwait(false);
        var (pool, connected) = await WorkerPool.StartAsync(polling ? "polling" : target.Wire, target.Server, clients, rooms: 100, spreadMs: 0).ConfigureAwait(false);
        await using (pool.ConfigureAwait(false))
        {
            result.AllConnected(connected);

            // Let connection-time buffers go before measuring.
            await Task.Delay(TimeSpan.FromSeconds(options.Double("settle", 5))).ConfigureAwait(false);
            var (rss, heap) = await ServerMemory.AfterCollectionAsync(target).ConfigureAwait(false);
            result.Add("KiB RSS/connection", (rss - rss0) / 1024.0 / Math.Max(1, connected.Ok))
                .Add("KiB heap/connection", (heap - heap0) / 1024.0 / Math.Max(1, connected.Ok))
                .Add("RSS MiB", rss / 1048576.0)
                .Add("RSS MiB before", rss0 / 1048576.0);
            return result;
        }
    }
}
