using Outcry.Bench.Measure;

namespace Outcry.Bench.Scenarios;

/// <summary>Waiting for the clients to have every event, with a progress line, and judging what they got.</summary>
internal static class Delivery
{
    /// <summary>
    /// Polls the workers until <paramref name="expected"/> events arrived, or nothing arrived for
    /// <paramref name="stall"/> (then the report will show what is missing).
    /// </summary>
    public static async Task WaitAsync(WorkerPool pool, long expected, long since, string label, TimeSpan? stall = null)
    {
        var limit = stall ?? TimeSpan.FromSeconds(10);
        long last = -1;
        var lastChange = Stamp.Now;
        var lastPrint = Stamp.Now;
        while (true)
        {
            var received = await pool.ReceivedAsync().ConfigureAwait(false);
            var now = Stamp.Now;
            if (received != last)
            {
                last = received;
                lastChange = now;
            }

            if (Stamp.MicrosBetween(lastPrint, now) > 1_000_000 || received >= expected)
            {
                var seconds = Stamp.MicrosBetween(since, now) / 1e6;
                Console.Error.Write($"\r{label}: {received:N0}/{expected:N0} delivered, {received / Math.Max(seconds, 1e-3):N0}/s   ");
                lastPrint = now;
            }

            if (received >= expected || Stamp.MicrosBetween(lastChange, now) > limit.TotalMicroseconds)
            {
                Console.Error.WriteLine();
                return;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Adds the latency percentiles and flags anything missing or out of order.</summary>
    public static void Judge(Result result, DeliveryReport report, long expected)
    {
        result.Add("p50 ms", report.Latency.Percentile(50) / 1000)
            .Add("p99 ms", report.Latency.Percentile(99) / 1000)
            .Add("p99.9 ms", report.Latency.Percentile(99.9) / 1000)
            .Add("max ms", report.Latency.Percentile(100) / 1000);
        if (report.Missing > 0 || report.Errors > 0 || report.Received != expected)
        {
            result.Fail($"delivered {report.Received:N0} of {expected:N0}: {report.Missing:N0} missing, {report.Errors:N0} out of order or repeated");
        }
    }
}
