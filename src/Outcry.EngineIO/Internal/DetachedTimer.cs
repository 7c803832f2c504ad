namespace Outcry.EngineIO.Internal;

/// <summary>
/// Timers that live as long as a session. A timer captures the ExecutionContext it is created in, and a session is
/// created inside its handshake request: without this, every session would keep that request's Activity, logging
/// scope and other AsyncLocals alive (about 1 KB) for as long as it lives.
/// </summary>
internal static class DetachedTimer
{
    public static ITimer Create(TimeProvider time, TimerCallback callback, object state, TimeSpan dueTime, TimeSpan period)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }
    }
}
