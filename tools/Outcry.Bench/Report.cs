using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Outcry.Bench;

/// <summary>
/// Turns the JSON lines of a run (one result per scenario and server) into docs/BENCHMARKS.md's tables, each Outcry
/// figure beside the peers' and the ratio, and an SVG chart of p99 latency against connections. Where the run has it,
/// the kernel's floor (<c>bench/floor/floor.c</c>: the same deliveries in C, nothing but system calls) stands beside
/// them, as the best any server could do on this machine.
/// </summary>
internal static class Report
{
    private static readonly string[] Servers = ["outcry", "socketio", "signalr"];
    private static readonly string[] Targets = [.. Servers, "floor"];
    private static readonly Dictionary<string, string> Labels = new() { ["outcry"] = "Outcry", ["socketio"] = "socket.io 4.8", ["signalr"] = "SignalR", ["floor"] = "C floor" };

    public static int Run(string resultsFile, string markdownFile, string svgFile, string preamble)
    {
        var results = File.ReadLines(resultsFile).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .GroupBy(r => (Setup(r), Scenario(r), Target(r)))
            .Select(lines => Median([.. lines])).ToList();
        var md = new StringBuilder(File.ReadAllText(preamble)).AppendLine();
        foreach (var group in results.GroupBy(r => (Scenario: Scenario(r), Setup: Setup(r))))
        {
            if (group.Key.Scenario == "rooms-curve")
            {
                continue;
            }

            var byTarget = group.ToDictionary(Target);
            var columns = Targets.Where(t => t != "floor" || byTarget.ContainsKey(t)).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"### {group.Key.Scenario}: {group.Key.Setup}").AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"| figure | {string.Join(" | ", columns.Select(t => Labels[t]))} | Outcry ÷ socket.io | Outcry ÷ SignalR |")
                .AppendLine(CultureInfo.InvariantCulture, $"| --- |{string.Concat(columns.Select(_ => " ---: |"))} ---: | ---: |");
            // Every figure any server has (one that failed early has fewer, and must not hide the others'); the C floor's
            // own extra figures stay out.
            foreach (var figure in FigureNames(group.Where(r => Target(r) != "floor")))
            {
                double? Value(string target) => byTarget.TryGetValue(target, out var r) ? Figure(r, figure) : null;
                var outcry = Value("outcry");
                md.Append(CultureInfo.InvariantCulture, $"| {figure} |");
                foreach (var target in columns)
                {
                    md.Append(CultureInfo.InvariantCulture, $" {Format(Value(target))} |");
                }

                md.AppendLine(CultureInfo.InvariantCulture, $" {Ratio(outcry, Value("socketio"))} | {Ratio(outcry, Value("signalr"))} |");
            }

            var problems = group.Where(r => !Complete(r))
                .Select(r => $"{Labels[Target(r)]}: {string.Join("; ", Problems(r))}").ToList();
            var servers = Servers.All(byTarget.ContainsKey) ? "all three" : string.Join(" and ", Servers.Where(byTarget.ContainsKey).Select(t => Labels[t]));
            md.AppendLine().AppendLine(problems.Count == 0 ? $"Every client connected and every delivery arrived, in order, for {servers}." : "**Incomplete** — " + string.Join(" · ", problems)).AppendLine();
        }

        // The curve has no table: a run of it that failed is said here, and left out of the chart.
        var curve = results.Where(r => Scenario(r) == "rooms-curve").ToList();
        var failedCurve = curve.Where(r => !Complete(r))
            .Select(r => $"{Labels[Target(r)]}, {Setup(r)}: {string.Join("; ", Problems(r))}").ToList();
        if (failedCurve.Count > 0)
        {
            md.AppendLine("### rooms-curve").AppendLine().AppendLine("**Incomplete**, so not in the chart — " + string.Join(" · ", failedCurve)).AppendLine();
        }

        File.WriteAllText(markdownFile, md.ToString());
        File.WriteAllText(svgFile, Chart([.. curve.Where(Complete)]));
        return 0;
    }

    // Several lines for one server in one setup (the C floor, run once per measured window of the servers): the median
    // of each figure, like the servers' own figures over their runs. A line that failed may lack figures: each median
    // is over the lines that have it.
    private static JsonElement Median(List<JsonElement> lines)
    {
        if (lines.Count == 1)
        {
            return lines[0];
        }

        static IEnumerable<double> Values(List<JsonElement> lines, string name) => lines.Select(l => Figure(l, name)).OfType<double>();

        var merged = JsonNode.Parse(lines[0].GetRawText())!.AsObject();
        var figures = new JsonObject();
        foreach (var name in FigureNames(lines))
        {
            figures[name] = Scenarios.Result.MedianOf(Values(lines, name));
        }

        if (Values(lines, "p99 ms").Any())
        {
            figures[Scenarios.Result.SlowestRunP99] = Values(lines, "p99 ms").Max();
        }

        merged["figures"] = figures;
        merged["complete"] = lines.All(Complete);
        merged["problems"] = new JsonArray([.. lines.SelectMany(Problems).Select(p => JsonValue.Create(p))]);
        return JsonDocument.Parse(merged.ToJsonString()).RootElement;
    }

    private static string Scenario(JsonElement result) => result.GetProperty("scenario").GetString()!;

    private static string Target(JsonElement result) => result.GetProperty("target").GetString()!;

    private static string Setup(JsonElement result) => result.GetProperty("setup").GetString()!;

    private static bool Complete(JsonElement result) => result.GetProperty("complete").GetBoolean();

    private static IEnumerable<string> Problems(JsonElement result) => result.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!);

    // A figure of a result, if it has it; only numbers are figures.
    private static double? Figure(JsonElement result, string name) =>
        result.GetProperty("figures").TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    // The names of the figures of these results, in the order they first appear.
    private static List<string> FigureNames(IEnumerable<JsonElement> results) => [.. results
        .SelectMany(r => r.GetProperty("figures").EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Number).Select(f => f.Name))
        .Distinct()];

    private static string Format(double? value) => value switch
    {
        null => "—",
        >= 100 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("N1", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("N2", CultureInfo.InvariantCulture),
    };

    private static string Ratio(double? outcry, double? peer) =>
        outcry is { } o && peer is { } p && p != 0 ? (o / p).ToString("N2", CultureInfo.InvariantCulture) + "×" : "—";

    // p99 latency (ms) of the rooms scenario against the number of connections, one line per server, and the kernel's
    // floor dashed where the run has it. The latency axis is logarithmic, one tick per decade: the servers lie orders
    // of magnitude apart.
    private static string Chart(List<JsonElement> curve)
    {
        const int width = 640, height = 360, left = 60, right = 150, top = 30, bottom = 50;
        var points = Targets.ToDictionary(t => t, t => curve.Where(r => Target(r) == t)
            .Select(r => (X: r.GetProperty("figures").GetProperty("connections").GetDouble(), Y: r.GetProperty("figures").GetProperty("p99 ms").GetDouble()))
            .OrderBy(p => p.X).ToList());
        var all = points.Values.SelectMany(p => p).ToList();
        var maxX = all.Count > 0 ? all.Max(p => p.X) : 1;
        var lowDecade = all.Count > 0 ? Math.Floor(Math.Log10(Math.Max(0.1, all.Min(p => p.Y)))) : 0;
        var highDecade = all.Count > 0 ? Math.Max(lowDecade + 1, Math.Ceiling(Math.Log10(Math.Max(0.1, all.Max(p => p.Y))))) : 1;
        string X(double x) => (left + (x / maxX * (width - left - right))).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double y) => (height - bottom - ((Math.Log10(Math.Max(0.1, y)) - lowDecade) / (highDecade - lowDecade) * (height - top - bottom))).ToString("F1", CultureInfo.InvariantCulture);
        var colors = new Dictionary<string, string> { ["outcry"] = "#c0392b", ["socketio"] = "#2c3e50", ["signalr"] = "#2980b9", ["floor"] = "#999999" };
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<rect width="{width}" height="{height}" fill="white"/><text x="{left}" y="18" font-size="14">p99 latency (ms, log scale) against connections — rooms scenario</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#888"/><line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#888"/>""");
        for (var decade = lowDecade; decade <= highDecade; decade++)
        {
            var y = Math.Pow(10, decade);
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left - 6}" y="{Y(y)}" text-anchor="end">{y:#,0.#}</text><line x1="{left}" y1="{Y(y)}" x2="{width - right}" y2="{Y(y)}" stroke="#eee"/>""");
        }

        for (var i = 0; i <= 4; i++)
        {
            var x = maxX * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{X(x)}" y="{height - bottom + 16}" text-anchor="middle">{x:N0}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">connections</text>""");
        var legend = top;
        foreach (var (target, line) in points)
        {
            if (line.Count == 0)
            {
                continue;
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<polyline fill="none" stroke="{colors[target]}" stroke-width="2"{(target == "floor" ? " stroke-dasharray=\"6 4\"" : "")} points="{string.Join(' ', line.Select(p => $"{X(p.X)},{Y(p.Y)}"))}"/>""");
            foreach (var p in line)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{X(p.X)}" cy="{Y(p.Y)}" r="3" fill="{colors[target]}"/>""");
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{width - right + 15}" y="{legend + 4}" width="12" height="4" fill="{colors[target]}"/><text x="{width - right + 32}" y="{legend + 10}">{Labels[target]}</text>""");
            legend += 20;
        }

        return svg.Append("</svg>").ToString();
    }
}
