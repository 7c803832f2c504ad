using System.Collections.Concurrent;

namespace Outcry.Core;

/// <summary>
/// What a connection that lost its link leaves behind so it can come back as itself: its id, namespace, rooms,
/// identity, and the position it had reached when it first connected (for a client that never received anything).
/// </summary>
public sealed record RecoverySession(
    string Pid, string SocketId, string Namespace, IReadOnlyCollection<string> Rooms, ClientIdentity Identity, StreamPosition Start);

/// <summary>Recovery sessions, each kept for the recovery window and restored at most once.</summary>
public interface IRecoveryStore
{
    ValueTask SaveAsync(RecoverySession session, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>The session of <paramref name="pid"/>, removed; null when unknown or expired.</summary>
    ValueTask<RecoverySession?> TakeAsync(string pid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps the session of a connection that is still live (its rooms changed), so that another node can restore it
    /// if this one dies without saving it. Ignored once the session was saved at disconnection. A no-op where
    /// sessions die with the process anyway (in memory).
    /// </summary>
    ValueTask KeepLiveAsync(RecoverySession session, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Drops a live session kept by <see cref="KeepLiveAsync"/> (its connection closed for good).</summary>
    ValueTask ForgetLiveAsync(string pid, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>The single-node recovery store; expired sessions are dropped when looked up and by a periodic sweep.</summary>
public sealed class InMemoryRecoveryStore : IRecoveryStore, IDisposable
{
    private readonly ConcurrentDictionary<string, (RecoverySession Session, DateTimeOffset Expires)> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public InMemoryRecoveryStore(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(static s => ((InMemoryRecoveryStore)s!).Sweep(), this, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
    }

    public int Count => _sessions.Count;

    public ValueTask SaveAsync(RecoverySession session, TimeSpan window, CancellationToken cancellationToken = default)
    {
        _sessions[session.Pid] = (session, _time.GetUtcNow() + window);
        return ValueTask.CompletedTask;
    }

    public ValueTask<RecoverySession?> TakeAsync(string pid, CancellationToken cancellationToken = default)
    {
        var found = _sessions.TryRemove(pid, out var entry) && entry.Expires > _time.GetUtcNow();
        return ValueTask.FromResult(found ? entry.Session : null);
    }

    public void Dispose() => _sweeper.Dispose();

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (pid, entry) in _sessions)
        {
            if (entry.Expires <= now)
            {
                _sessions.TryRemove(new KeyValuePair<string, (RecoverySession, DateTimeOffset)>(pid, entry));
            }
        }
    }
}
