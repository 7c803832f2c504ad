using System.Text.Json;
using System.Text.RegularExpressions;

namespace Outcry.Bench.Tests;

/// <summary>
/// <c>bench/run.sh</c> writes docs/BENCHMARKS.md from whatever its run produced. A server or a C floor run that failed
/// must show as incomplete beside the others, never hide their figures or stop the report.
/// </summary>
public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("outcry-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_server_that_could_not_connect_does_not_hide_its_peers_figures()
    {
        var setup = "5,000 clients in 1 room, 200 messages of 100 B, median of 3";
        var (markdown, _) = Write(
            Line("fanout", "outcry", setup, false, new(), "12 clients could not connect: refused"),
            Line("fanout", "socketio", setup, true, new() { ["deliveries/s"] = 74_185, ["p99 ms"] = 78.8 }),
            Line("fanout", "signalr", setup, true, new() { ["deliveries/s"] = 105_575, ["p99 ms"] = 139 }));

        Assert.Contains("| deliveries/s | — | 74,185 | 105,575 | — | — |", markdown);
        Assert.Contains("| p99 ms | — | 78.8 | 139 | — | — |", markdown);
        Assert.Contains("**Incomplete** — Outcry: 12 clients could not connect: refused", markdown);
    }

    [Fact]
    public void An_incomplete_curve_run_is_reported_and_left_out_of_the_chart()
    {
        var small = "1,000 clients in 10 rooms, 100 room publishes/s for 5 s, 100 B, median of 3";
        var big = "10,000 clients in 100 rooms, 1,000 room publishes/s for 5 s, 100 B, median of 3";
        var (markdown, svg) = Write(
            Line("rooms-curve", "outcry", small, true, new() { ["connections"] = 1000, ["p99 ms"] = 5.5 }),
            Line("rooms-curve", "socketio", small, true, new() { ["connections"] = 1000, ["p99 ms"] = 6.6 }),
            Line("rooms-curve", "outcry", big, false, new() { ["connections"] = 0 }, "10000 clients could not connect: refused"),
            Line("rooms-curve", "socketio", big, true, new() { ["connections"] = 10_000, ["p99 ms"] = 7078 }));

        Assert.Contains("### rooms-curve", markdown);
        Assert.Contains($"Outcry, {big}: 10000 clients could not connect: refused", markdown);
        Assert.Equal(3, Regex.Count(svg, "<circle "));
    }

    [Fact]
    public void The_floors_runs_merge_by_median_over_those_that_measured()
    {
        var setup = "10,000 clients in 100 rooms, 1,000 room publishes/s for 10 s, 100 B, median of 3";
        var (markdown, _) = Write(
            Line("rooms", "outcry", setup, true, new() { ["p99 ms"] = 30.7, ["p99 ms, slowest run"] = 92.2 }),
            Line("rooms", "socketio", setup, true, new() { ["p99 ms"] = 7930, ["p99 ms, slowest run"] = 8651 }),
            Line("rooms", "signalr", setup, true, new() { ["p99 ms"] = 336, ["p99 ms, slowest run"] = 471 }),
            Line("rooms", "floor", setup, true, new() { ["p99 ms"] = 2.38 }),
            Line("rooms", "floor", setup, false, new(), "the clients process failed"),
            Line("rooms", "floor", setup, true, new() { ["p99 ms"] = 9.62 }));

        // The median of 2.38 and 9.62, and the slowest of them.
        Assert.Contains("| p99 ms | 30.7 | 7,930 | 336 | 6.00 | 0.00× | 0.09× |", markdown);
        Assert.Contains("| p99 ms, slowest run | 92.2 | 8,651 | 471 | 9.62 | 0.01× | 0.20× |", markdown);
        Assert.Contains("**Incomplete** — C floor: the clients process failed", markdown);
    }

    private static string Line(string scenario, string target, string setup, bool complete, Dictionary<string, double> figures, params string[] problems) =>
        JsonSerializer.Serialize(new { scenario, target, setup, complete, problems, figures });

    private (string Markdown, string Svg) Write(params string[] lines)
    {
        var results = Path.Combine(_dir, "results.jsonl");
        var preamble = Path.Combine(_dir, "preamble.md");
        var markdown = Path.Combine(_dir, "BENCHMARKS.md");
        var svg = Path.Combine(_dir, "latency.svg");
        File.WriteAllLines(results, lines);
        File.WriteAllText(preamble, "# Benchmarks\n");
        Assert.Equal(0, Report.Run(results, markdown, svg, preamble));
        return (File.ReadAllText(markdown), File.ReadAllText(svg));
    }
}
