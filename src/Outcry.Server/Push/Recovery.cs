using System.Collections.Concurrent;
using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>
/// Socket.IO connection state recovery over the history: a socket that lost its link keeps its session for the
/// recovery window; when it comes back with its pid and last offset, every publication of its rooms (and its
/// namespace's broadcasts) after that offset is replayed, in order, without duplicates — or, when the history no
/// longer has them all, the client starts afresh and sees <c>recovered === false</c>.
/// </summary>
internal sealed partial class Recovery(IRecoveryStore sessions, IHistoryStore history, OutcryOptions options, RecoveryCounters counters, ILogger<Recovery> logger)
    : IConnectionStateRecovery
{
    public const string StartKey = "outcry.start";

    // Sessions being saved (a remote store takes a round trip): shutdown waits for them, so that the clients of a
    // node being stopped can recover on another.
    private readonly ConcurrentDictionary<Task, byte> _saving = new();

    public void OnDisconnected(SocketIoSocket socket, IReadOnlyCollection<string> rooms)
    {
        if (SessionOf(socket, rooms) is { } session)
        {
            var saving = SaveAsync(session);
            if (!saving.IsCompleted)
            {
                _saving.TryAdd(saving, 0);
                saving.ContinueWith(t => _saving.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Keeps each live connection's session up to date where the engine can hold it for another node (Redis), so that
    /// a node that crashes, and saves nothing at disconnection, does not take its clients' sessions with it.
    /// </summary>
    public void Attach(Namespace nsp) => nsp.OnRoomChange(KeepLive, (socket, room) =>
    {
        // A closed socket leaves its rooms after its session was saved (or not, if it closed for good): the live copy
        // goes either way, so a client that disconnected on purpose leaves nothing behind.
        if (socket.Connected)
        {
            KeepLive(socket, room);
        }
        else if (socket.Pid is not null)
        {
            Observe(sessions.ForgetLiveAsync(socket.Pid), socket.Id);
        }
    });

    private void KeepLive(SocketIoSocket socket, string room)
    {
        if (SessionOf(socket, [.. socket.Rooms]) is { } session)
        {
            Observe(sessions.KeepLiveAsync(session), socket.Id);
        }
    }

    // What a socket can be restored from: its id, rooms and identity, and where it started (null if it has no pid or
    // no start, when the history could not say at connection).
    private static RecoverySession? SessionOf(SocketIoSocket socket, IReadOnlyCollection<string> rooms) =>
        socket.Pid is not null && socket.Data.TryGetValue(StartKey, out var start) && start is StreamPosition position
            ? new RecoverySession(socket.Pid, socket.Id, socket.Namespace.Name, rooms, PushHub.IdentityOf(socket), position)
            : null;

    private void Observe(ValueTask keeping, string id)
    {
        if (!keeping.IsCompletedSuccessfully)
        {
            _ = LogFailureAsync(keeping, id);
        }
    }

    private async Task LogFailureAsync(ValueTask keeping, string id)
    {
        try
        {
            await keeping.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogKeepFailed(logger, id, e.Message);
        }
    }

    /// <summary>Waits, at most <paramref name="timeout"/>, for the sessions still being saved; false if some were not.</summary>
    public bool WaitForSaves(TimeSpan timeout) => Task.WaitAll([.. _saving.Keys], timeout);

    private async Task SaveAsync(RecoverySession session)
    {
        try
        {
            await sessions.SaveAsync(session, options.Recovery.Window).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogSaveFailed(logger, session.SocketId, e);
        }
    }

    public async ValueTask<RecoveredSession?> RestoreAsync(Namespace nsp, string pid, string? offset)
    {
        RecoverySession? session;
        try
        {
            session = await sessions.TakeAsync(pid).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            Failed(e.Message);
            return null;
        }

        if (session is null || session.Namespace != nsp.Name)
        {
            Failed("no session (unknown, expired or already used)");
            return null;
        }

        StreamPosition since;
        if (offset is null)
        {
            since = session.Start;
        }
        else if (!StreamPosition.TryParse(offset, out since))
        {
            Failed("offset not written by this server");
            return null;
        }

        return new Session(this, session, since)
        {
            Id = session.SocketId,
            Rooms = session.Rooms,
            Data = new Dictionary<string, object?> { [PushHub.IdentityKey] = session.Identity, [StartKey] = session.Start },
        };
    }

    private void Failed(string why)
    {
        counters.OnFailed();
        LogFailed(logger, why);
    }

    // Every publication of the session's rooms after `since`, once each, oldest first; null if any room lost some.
    private async ValueTask<IReadOnlyList<MissedEvent>?> ReplayAsync(RecoverySession session, StreamPosition since)
    {
        IReadOnlyList<Publication>? missed;
        string? failure;
        try
        {
            (missed, failure) = await HistoryReplay.MissedAsync(history, session.Namespace, session.Rooms, since).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            (missed, failure) = (null, e.Message);
        }

        if (missed is null)
        {
            Failed(failure!);
            return null;
        }

        var events = missed.Select(p => new MissedEvent(p.Event, SocketIoSink.ArgsOf(p), p.Position!.Value.Sequence)).ToList();
        counters.OnSucceeded(events.Count);
        LogRecovered(logger, session.SocketId, events.Count);
        return events;
    }

    [LoggerMessage(404, LogLevel.Debug, "The live session of socket {Id} could not be kept: {Why}")]
    private static partial void LogKeepFailed(ILogger logger, string id, string why);

    [LoggerMessage(403, LogLevel.Warning, "The recovery session of socket {Id} could not be saved: it will not recover")]
    private static partial void LogSaveFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(401, LogLevel.Debug, "Recovery failed: {Why}")]
    private static partial void LogFailed(ILogger logger, string why);

    [LoggerMessage(402, LogLevel.Debug, "Socket {Id} recovered, {Count} missed events replayed")]
    private static partial void LogRecovered(ILogger logger, string id, int count);

    private sealed class Session(Recovery owner, RecoverySession session, StreamPosition since) : RecoveredSession
    {
        public override ValueTask<IReadOnlyList<MissedEvent>?> ReplayAsync() => owner.ReplayAsync(session, since);
    }
}

/// <summary>Recoveries for /metrics.</summary>
internal sealed class RecoveryCounters
{
    private long _succeeded;
    private long _failed;
    private long _replayed;

    public long SucceededTotal => Interlocked.Read(ref _succeeded);

    public long FailedTotal => Interlocked.Read(ref _failed);

    public long ReplayedTotal => Interlocked.Read(ref _replayed);

    public void OnSucceeded(int replayed)
    {
        Interlocked.Increment(ref _succeeded);
        Interlocked.Add(ref _replayed, replayed);
    }

    public void OnFailed() => Interlocked.Increment(ref _failed);
}
