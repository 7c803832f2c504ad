using System.Globalization;
using System.Text.Json;
using Outcry.Bench;
using Outcry.Bench.Scenarios;

// outcry-bench <scenario> --target outcry|socketio|signalr --url http://127.0.0.1:3000 [--pid N] [scenario options] [--json]
// (and, started by the coordinator itself: outcry-bench worker …)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "worker")
{
    return await Worker.RunAsync(new WorkerArgs(args[1], args[2], args[3], int.Parse(args[4]), int.Parse(args[5]), int.Parse(args[6]), int.Parse(args[7]), int.Parse(args[8])));
}

if (args.Length == 5 && args[0] == "report")
{
    // report <results.jsonl> <BENCHMARKS.md> <chart.svg> <preamble.md>
    return Report.Run(args[1], args[2], args[3], args[4]);
}

if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("""
        usage: outcry-bench <scenario> --target outcry|socketio|signalr --url http://127.0.0.1:3000 [--pid N] [--json]
          fanout     --clients 5000 --messages 200 --size 100 --runs 3   one room, published as fast as accepted
          rooms      --clients 10000 --rooms 100 --rate 1000 --seconds 10 --runs 3  fixed publish rate over many rooms
          broadcast  --clients 10000 --rate 5 --seconds 10 --runs 3                 to everyone at a fixed rate
          idle       --clients 19000 --settle 5 [--transport polling]      memory per idle connection (needs --pid)
          storm      --clients 19000 --over 0|5                            connects at once, or spread over seconds
          publish    --concurrency 32 --seconds 5 --batch 100              the publish API alone
        --pid: the server's process id, for its CPU time and memory (a cluster: the nodes' and Redis's, comma-separated).
        --nodes http://…:3000,http://…:3010,…: a cluster's nodes; client i connects to node i mod n, publishing goes to --url.
        """);
    return 2;
}

var options = new Options(args[1..]);
using var target = new Target(
    options.Get("target", "outcry"),
    new Uri(options.Get("url", "http://127.0.0.1:3000")),
    [.. options.List("pid").Select(p => int.Parse(p, CultureInfo.InvariantCulture))],
    [.. options.List("nodes").Select(u => new Uri(u))]);
var result = args[0] switch
{
    "fanout" => await Fanout.RunAsync(target, options),
    "rooms" => await Paced.RunAsync(target, options, broadcast: false),
    "rooms-curve" => await Paced.RunAsync(target, options, broadcast: false, curve: true),
    "broadcast" => await Paced.RunAsync(target, options, broadcast: true),
    "idle" => await Idle.RunAsync(target, options),
    "storm" => await Storm.RunAsync(target, options),
    "publish" => await PublishApi.RunAsync(target, options),
    _ => throw new ArgumentException($"unknown scenario '{args[0]}'"),
};

if (options.Flag("json"))
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        scenario = result.Scenario,
        target = result.Target,
        setup = result.Setup,
        complete = result.Complete,
        problems = result.Problems,
        figures = result.Figures.ToDictionary(f => f.Key, f => double.IsFinite(f.Value) ? f.Value : (double?)null),
    }));
}
else
{
    Console.WriteLine($"{result.Scenario} · {result.Target} · {result.Setup}");
    foreach (var (name, value) in result.Figures)
    {
        Console.WriteLine($"  {name,-20} {value,14:N2}");
    }

    Console.WriteLine(result.Complete ? "  complete: every client connected, every delivery in order" : "  INCOMPLETE: " + string.Join("; ", result.Problems));
}

return result.Complete ? 0 : 1;
