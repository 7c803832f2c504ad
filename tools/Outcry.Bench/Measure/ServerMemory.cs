using System.Diagnostics.Tracing;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Diagnostics.NETCore.Client;

namespace Outcry.Bench.Measure;

/// <summary>
/// A server's memory after a full garbage collection: resident set size from /proc, and the managed (or JS) heap as the
/// server reports it. The peers collect on <c>GET /gc</c>; Outcry is made to collect from outside, through the .NET
/// diagnostics port (as dotnet-gcdump does), and reports its heap in <c>/api/stats</c>.
/// </summary>
internal static class ServerMemory
{
    private const long GCHeapCollectKeyword = 0x800000;

    public static async Task<(long Rss, long Heap)> AfterCollectionAsync(Target target)
    {
        var pid = target.Pid ?? throw new InvalidOperationException("memory figures need --pid");
        long heap;
        if (target.IsOutcry)
        {
            await InduceCollectionAsync(pid).ConfigureAwait(false);
            var stats = await target.Http.GetFromJsonAsync<JsonElement>("/api/stats").ConfigureAwait(false);
            heap = stats.GetProperty("memory").GetProperty("managedHeap").GetInt64();
        }
        else
        {
            var answer = await target.Http.GetFromJsonAsync<JsonElement>("/gc").ConfigureAwait(false);
            heap = answer.GetProperty("heap").GetInt64();
        }

        return (ProcessStats.RssBytes(pid), heap);
    }

    // Starting an EventPipe session with the GCHeapCollect keyword makes the runtime run a blocking full collection.
    private static async Task InduceCollectionAsync(int pid)
    {
        var client = new DiagnosticsClient(pid);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCHeapCollectKeyword)], requestRundown: false);
        var drain = session.EventStream.CopyToAsync(Stream.Null);
        await Task.Delay(1500).ConfigureAwait(false);
        await session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await drain.ConfigureAwait(false);
    }
}
