using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>
/// socketsJoin, socketsLeave and disconnectSockets on this node's sockets, as the socket.io emitter asks them of
/// every node. A join sends the room's current state, as any join does; a room name the API would refuse (empty,
/// too long, control characters) is not joined.
/// </summary>
internal sealed class SocketCommands(SocketIoServer io, PushHub hub) : IConnectionCommands
{
    public int Join(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except, IReadOnlyList<string> join)
    {
        var sockets = Select(ns, rooms, except);
        foreach (var socket in sockets)
        {
            foreach (var room in join.Where(r => RoomNames.Validate(r) is null))
            {
                _ = hub.JoinAsync(socket, room); // logs its own failures
            }
        }

        return sockets.Count;
    }

    public int Leave(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except, IReadOnlyList<string> leave)
    {
        var sockets = Select(ns, rooms, except);
        foreach (var socket in sockets)
        {
            foreach (var room in leave.Where(r => r != socket.Id))
            {
                socket.Leave(room);
            }
        }

        return sockets.Count;
    }

    public int Disconnect(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except, bool close)
    {
        var sockets = Select(ns, rooms, except);
        foreach (var socket in sockets)
        {
            socket.Disconnect(close);
        }

        return sockets.Count;
    }

    // The namespace's sockets in any of `rooms` (all of them when none is named), less those in any `except` room.
    private List<SocketIoSocket> Select(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except)
    {
        if (!io.TryGetNamespace(ns, out var nsp))
        {
            return [];
        }

        var picked = rooms.Count == 0 ? nsp.Sockets : rooms.SelectMany(nsp.In).Distinct();
        return [.. picked.Where(s => !except.Any(s.Rooms.Contains))];
    }
}
