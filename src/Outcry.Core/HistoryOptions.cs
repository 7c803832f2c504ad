namespace Outcry.Core;

/// <summary>How much history rooms keep ("Outcry:History"): a default, and rules by room pattern (first match wins).</summary>
public sealed class HistoryOptions
{
    public HistoryRetention Default { get; set; } = new();

    public List<HistoryRetention> Rooms { get; set; } = [];

    /// <summary>How long a room's current state (the latest publication per key) is kept after it was last set.</summary>
    public TimeSpan StateTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a publication's <see cref="Publication.Id"/> is remembered: a publication with the same id within
    /// this window is a duplicate and is not published again.
    /// </summary>
    public TimeSpan IdWindow { get; set; } = TimeSpan.FromMinutes(5);

    public HistoryRetention For(string room)
    {
        foreach (var rule in Rooms)
        {
            if (Glob.IsMatch(rule.Pattern, room))
            {
                return rule;
            }
        }

        return Default;
    }
}

public sealed class HistoryRetention
{
    /// <summary>The rooms this rule is for (ignored on the default).</summary>
    public string Pattern { get; set; } = "*";

    /// <summary>Publications kept per room; 0 keeps none (such rooms cannot be recovered).</summary>
    public int Size { get; set; } = 100;

    /// <summary>How long a publication is kept. Keep it longer than the recovery window.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);
}
