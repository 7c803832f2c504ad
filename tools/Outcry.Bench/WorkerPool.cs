using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Outcry.Bench.Measure;

namespace Outcry.Bench;

/// <summary>
/// The coordinator's side of the worker processes: starts them (at most <see cref="PerWorker"/> clients each, each
/// from its own loopback source address 127.0.0.2, .3, …), sends commands and gathers their JSON answers.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    public const int PerWorker = 18_000; // under the 20,000 open files a process may have here

    private readonly List<(Process Process, StreamReader Output)> _workers = [];

    public static async Task<(WorkerPool Pool, ConnectResult Result)> StartAsync(string wire, string server, int clients, int rooms, int spreadMs, int concurrency = 256)
    {
        var pool = new WorkerPool();
        var count = Math.Max(1, (clients + PerWorker - 1) / PerWorker);
        for (var w = 0; w < count; w++)
        {
            var first = w * clients / count;
            var share = ((w + 1) * clients / count) - first;
            pool.Spawn(new WorkerArgs(wire, server, $"127.0.0.{2 + w}", first, share, rooms, concurrency, spreadMs));
        }

        var answers = await pool.AllAsync(null).ConfigureAwait(false);
        var connect = new LatencyHistogram();
        var result = new ConnectResult(0, 0, null, 0, connect);
        foreach (var answer in answers)
        {
            connect.Add(answer.GetProperty("connect").Deserialize<long[]>()!);
            result = result with
            {
                Ok = result.Ok + answer.GetProperty("ok").GetInt32(),
                Failed = result.Failed + answer.GetProperty("failed").GetInt32(),
                Error = result.Error ?? answer.GetProperty("error").GetString(),
                Seconds = Math.Max(result.Seconds, answer.GetProperty("seconds").GetDouble()),
            };
        }

        return (pool, result);
    }

    /// <summary>Events received by all workers since the last reset.</summary>
    public async Task<long> ReceivedAsync() =>
        (await AllAsync("received").ConfigureAwait(false)).Sum(a => a.GetProperty("received").GetInt64());

    public Task ResetAsync() => AllAsync("reset");

    /// <summary>Checks every client against the number of events published to each room; merges the latencies.</summary>
    public async Task<DeliveryReport> ReportAsync(long[] publishedPerRoom)
    {
        var answers = await AllAsync("report " + JsonSerializer.Serialize(publishedPerRoom)).ConfigureAwait(false);
        var latency = new LatencyHistogram();
        var report = new DeliveryReport(0, 0, 0, long.MaxValue, 0, latency);
        foreach (var answer in answers)
        {
            latency.Add(answer.GetProperty("latency").Deserialize<long[]>()!);
            report = report with
            {
                Received = report.Received + answer.GetProperty("received").GetInt64(),
                Missing = report.Missing + answer.GetProperty("missing").GetInt64(),
                Errors = report.Errors + answer.GetProperty("errors").GetInt64(),
                First = Math.Min(report.First, answer.GetProperty("first").GetInt64()),
                Last = Math.Max(report.Last, answer.GetProperty("last").GetInt64()),
            };
        }

        return report;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _) in _workers)
        {
            try
            {
                await process.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
                await process.StandardInput.FlushAsync().ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }

    private void Spawn(WorkerArgs args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };

        // The long-polling clients' receive continuations are short and never block: run them on the socket engine's
        // thread instead of handing each one to the thread pool (the WebSocket clients have their own EpollLoop).
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        }

        foreach (var argument in new[]
        {
            "worker", args.Wire, args.Server, args.Source, $"{args.First}", $"{args.Count}", $"{args.Rooms}", $"{args.Concurrency}", $"{args.SpreadMs}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _workers.Add((process, process.StandardOutput));
    }

    // Sends a command (or none) to every worker and reads one JSON line from each.
    private async Task<List<JsonElement>> AllAsync(string? command)
    {
        if (command is not null)
        {
            foreach (var (process, _) in _workers)
            {
                await process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
                await process.StandardInput.FlushAsync().ConfigureAwait(false);
            }
        }

        var answers = new List<JsonElement>();
        foreach (var (process, output) in _workers)
        {
            var line = await output.ReadLineAsync().ConfigureAwait(false)
                ?? throw new InvalidOperationException($"worker {process.Id} exited ({(process.HasExited ? process.ExitCode : -1)})");
            var answer = JsonDocument.Parse(line).RootElement;
            if (answer.GetProperty("type").GetString() == "error")
            {
                throw new InvalidOperationException("worker: " + answer.GetProperty("error").GetString());
            }

            answers.Add(answer);
        }

        return answers;
    }
}

internal sealed record ConnectResult(int Ok, int Failed, string? Error, double Seconds, LatencyHistogram Latency);

/// <summary>What the clients received: First/Last are <see cref="Stamp"/> times of the first and last event.</summary>
internal sealed record DeliveryReport(long Received, long Missing, long Errors, long First, long Last, LatencyHistogram Latency);
