namespace Outcry.Benchmarks.Internal;

/// <summary>
/// The system clock, with timers that never fire: no heartbeat ping, ping timeout or connect timeout closes the
/// in-process sessions of a long benchmark, and no timer callback runs (and allocates) during a measurement.
/// </summary>
internal sealed class InertTimeProvider : TimeProvider
{
    public static readonly InertTimeProvider Instance = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => InertTimer.Instance;

    private sealed class InertTimer : ITimer
    {
        public static readonly InertTimer Instance = new();

        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
