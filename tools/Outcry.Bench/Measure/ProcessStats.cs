using System.Globalization;

namespace Outcry.Bench.Measure;

/// <summary>
/// A process's CPU time and resident memory from /proc (Linux): the fair figure when the load generator shares the
/// machine's cores with the server.
/// </summary>
internal static class ProcessStats
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on

    /// <summary>User + system CPU time of <paramref name="pid"/>, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        // /proc/<pid>/stat: "pid (comm) state …" — comm may hold spaces, so fields are counted after the last ')'.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Resident set size of <paramref name="pid"/>, in bytes.</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }
}
