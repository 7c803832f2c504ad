namespace Outcry.Bench.Scenarios;

/// <summary>One scenario's figures against one server: name → value, in the order they were added.</summary>
internal sealed class Result(string scenario, string target, string setup)
{
    public string Scenario { get; } = scenario;

    public string Target { get; } = target;

    /// <summary>The workload in words: "5000 clients, 1 room, 200 × 100 B".</summary>
    public string Setup { get; } = setup;

    public List<KeyValuePair<string, double>> Figures { get; } = [];

    /// <summary>False when a delivery was missing, repeated or out of order, or a client failed to connect.</summary>
    public bool Complete { get; set; } = true;

    public List<string> Problems { get; } = [];

    /// <summary>The value of the figure <paramref name="name"/>, which must have been added.</summary>
    public double Figure(string name) => Figures.First(f => f.Key == name).Value;

    public Result Add(string name, double value)
    {
        Figures.Add(new(name, value));
        return this;
    }

    public void Fail(string problem)
    {
        Complete = false;
        Problems.Add(problem);
    }

    /// <summary>True when every client connected; otherwise records which failed and why.</summary>
    public bool AllConnected(ConnectResult connected)
    {
        if (connected.Failed > 0)
        {
            Fail($"{connected.Failed} clients could not connect: {connected.Error}");
        }

        return connected.Failed == 0;
    }

    /// <summary>The figure beside a median p99: the worst p99 of the runs.</summary>
    public const string SlowestRunP99 = "p99 ms, slowest run";

    /// <summary>The setup of a median over <paramref name="runs"/> runs, the same whether they ran or not.</summary>
    public static string MedianSetup(string setup, int runs) => setup + $", median of {runs}";

    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The median of each figure over several runs of the same scenario.</summary>
    public static Result Median(IReadOnlyList<Result> runs)
    {
        var first = runs[0];
        var median = new Result(first.Scenario, first.Target, MedianSetup(first.Setup, runs.Count));
        foreach (var (name, _) in first.Figures)
        {
            median.Add(name, MedianOf(runs.Select(r => r.Figure(name))));
        }

        foreach (var run in runs)
        {
            foreach (var problem in run.Problems)
            {
                median.Fail(problem);
            }
        }

        return median;
    }
}
