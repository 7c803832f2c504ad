using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Outcry.Benchmarks.Internal;

/// <summary>
/// What one more recipient costs: (metric at N recipients − metric at 1 recipient) / (N − 1), for the same method and
/// job. The per-broadcast part (encoding, operator, history) cancels out; 0 B/recipient is the fan-out's target.
/// </summary>
internal sealed class PerRecipientColumn(string name, string legend, Func<Summary, BenchmarkCase, double?> metric) : IColumn
{
    public const string Parameter = "Recipients";

    public static readonly IColumn Bytes = new PerRecipientColumn(
        "B/recipient", "Allocated bytes per extra recipient: (Allocated(N) - Allocated(1)) / (N - 1)", static (summary, c) => summary[c]?.GcStats.GetBytesAllocatedPerOperation(c));

    public static readonly IColumn Time = new PerRecipientColumn(
        "ns/recipient", "Time per extra recipient: (Mean(N) - Mean(1)) / (N - 1)", static (summary, c) => summary[c]?.ResultStatistics?.Mean);

    public string Id => nameof(PerRecipientColumn) + "." + ColumnName;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var n = RecipientsOf(benchmarkCase);
        if (n is not > 1)
        {
            return "-";
        }

        var single = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor == benchmarkCase.Descriptor && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo && RecipientsOf(c) == 1);
        if (single is null || metric(summary, benchmarkCase) is not { } many || metric(summary, single) is not { } one)
        {
            return "?";
        }

        return ((many - one) / (n.Value - 1)).ToString("0.0", CultureInfo.InvariantCulture);
    }

    private static int? RecipientsOf(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == Parameter)?.Value is int n ? n : null;
}

/// <summary>The fan-out benchmarks' configuration: the default one, plus the per-recipient columns.</summary>
internal sealed class FanOutConfig : ManualConfig
{
    public FanOutConfig()
    {
        AddColumn(PerRecipientColumn.Time, PerRecipientColumn.Bytes);
    }
}
