namespace Outcry.Core;

/// <summary>
/// How Outcry waits between tries of something that failed because a server was away (Redis, RabbitMQ): 100 ms at
/// first, doubling to at most 5 s, so an outage of a moment costs little and a long one is not hammered.
/// </summary>
public static class Backoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(5);

    /// <summary>The wait after <paramref name="delay"/>: twice as long, at most <see cref="Longest"/>.</summary>
    public static TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Longest.Ticks));
}
