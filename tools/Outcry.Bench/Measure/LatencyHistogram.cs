namespace Outcry.Bench.Measure;

/// <summary>
/// Latencies in microseconds, HdrHistogram-style: exact below 128 µs, then 64 sub-buckets per power of two (under 1.6%
/// error), up to about 2^40 µs. Counts only, so histograms from many threads and processes add up exactly.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 128;
    private const int SubBuckets = 64;
    private const int Size = Linear + (40 * SubBuckets);

    public long[] Counts { get; } = new long[Size];

    public long Total { get; private set; }

    public void Record(long micros)
    {
        Counts[IndexOf(Math.Max(0, micros))]++;
        Total++;
    }

    public void Add(long[] counts)
    {
        for (var i = 0; i < Size && i < counts.Length; i++)
        {
            Counts[i] += counts[i];
            Total += counts[i];
        }
    }

    public void Clear()
    {
        Array.Clear(Counts);
        Total = 0;
    }

    /// <summary>The smallest value at or below which <paramref name="percentile"/> % of the samples lie (µs).</summary>
    public double Percentile(double percentile)
    {
        if (Total == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(percentile / 100 * Total);
        long seen = 0;
        for (var i = 0; i < Size; i++)
        {
            seen += Counts[i];
            if (seen >= Math.Max(1, rank))
            {
                return UpperBoundOf(i);
            }
        }

        return UpperBoundOf(Size - 1);
    }

    private static int IndexOf(long micros)
    {
        if (micros < Linear)
        {
            return (int)micros;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(micros) - 6; // ≥ 1 here: micros ≥ 128 = 2^7
        var sub = (int)(micros >> exponent) - SubBuckets;   // 64..127 → 0..63
        return Math.Min(Size - 1, Linear + ((exponent - 1) * SubBuckets) + sub);
    }

    private static double UpperBoundOf(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var exponent = ((index - Linear) / SubBuckets) + 1;
        var sub = ((index - Linear) % SubBuckets) + SubBuckets;
        return ((sub + 1L) << exponent) - 1;
    }
}
