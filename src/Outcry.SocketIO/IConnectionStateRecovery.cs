namespace Outcry.SocketIO;

/// <summary>
/// Socket.IO connection state recovery (socket.io 4.6+ clients): a socket that lost its connection comes back with
/// <c>{pid, offset}</c> in its CONNECT auth, and gets its id, rooms and data back plus every event it missed —
/// <c>socket.recovered === true</c> on the client. The server keeps no history itself: whoever implements this
/// (the host, over its history store) does.
/// </summary>
public interface IConnectionStateRecovery
{
    /// <summary>A socket left for a reason recovery covers (transport closed or failed, ping timeout…): keep its session.</summary>
    void OnDisconnected(SocketIoSocket socket, IReadOnlyCollection<string> rooms);

    /// <summary>The session of <paramref name="pid"/> if it can be restored, taken (a session is restored at most once).</summary>
    ValueTask<RecoveredSession?> RestoreAsync(Namespace nsp, string pid, string? offset);
}

/// <summary>A session to restore: the socket's id, rooms and data, and a way to read what it missed.</summary>
public abstract class RecoveredSession
{
    public required string Id { get; init; }

    public required IReadOnlyCollection<string> Rooms { get; init; }

    public required IReadOnlyDictionary<string, object?> Data { get; init; }

    /// <summary>
    /// The events missed since the client's offset, oldest first — called once the socket is back in its rooms,
    /// with live events held, so nothing falls between the two. Null when they cannot all be had (the history lost
    /// some): the client then starts a new session and is not told it recovered.
    /// </summary>
    public abstract ValueTask<IReadOnlyList<MissedEvent>?> ReplayAsync();
}

/// <summary>
/// One missed event: its name, its arguments (the offset included, last), and its position — or, in a snapshot of
/// current state, position 0: sent without ordering and without moving the socket's position.
/// </summary>
public readonly record struct MissedEvent(string Event, object?[] Args, long Position);
