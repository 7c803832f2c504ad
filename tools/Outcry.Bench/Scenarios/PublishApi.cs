using Outcry.Bench.Measure;

namespace Outcry.Bench.Scenarios;

/// <summary>(e) The backend's side: publish requests per second to a room nobody is in, one per request and batched.</summary>
internal static class PublishApi
{
    public static async Task<Result> RunAsync(Target target, Options options)
    {
        var concurrency = options.Int("concurrency", 32);
        var seconds = options.Double("seconds", 5);
        var batch = options.Int("batch", 100);
        var size = options.Int("size", 100);
        var result = new Result("publish", target.Name, $"{concurrency} concurrent requests for {seconds:N0} s, {size} B, batches of {batch}");
        var body = Stamp.Body(0, 0, size);
        var items = Enumerable.Repeat(("nobody", body), batch).ToList();

        await RateAsync(1, () => target.PublishAsync("nobody", body)).ConfigureAwait(false); // warm-up
        var single = await RateAsync(seconds, () => target.PublishAsync("nobody", body)).ConfigureAwait(false);
        var batched = await RateAsync(seconds, () => target.PublishBatchAsync(items)).ConfigureAwait(false);
        return result.Add("requests/s", single.Rate)
            .Add("server µs/request", single.CpuMicros)
            .Add("batch requests/s", batched.Rate)
            .Add("batched publishes/s", batched.Rate * batch);

        async Task<(double Rate, double CpuMicros)> RateAsync(double duration, Func<Task> request)
        {
            long done = 0;
            var cpu = target.CpuSeconds();
            var started = Stamp.Now;
            var until = started + (long)(duration * System.Diagnostics.Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Stamp.Now < until)
                {
                    await request().ConfigureAwait(false);
                    Interlocked.Increment(ref done);
                }
            })).ConfigureAwait(false);
            var elapsed = Stamp.MicrosBetween(started, Stamp.Now) / 1e6;
            var cpuUsed = target.CpuSeconds() - cpu;
            return (done / elapsed, cpuUsed * 1e6 / Math.Max(1, done));
        }
    }
}
