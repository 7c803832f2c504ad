using Outcry.Core;
using Outcry.Server.Sse;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>
/// Connection commands on this node's connections: socketsJoin, socketsLeave and disconnectSockets (the socket.io
/// emitter's, and the API's subscribe, unsubscribe and disconnect), and presence announcements. A join sends the
/// room's current state, as any join does; a room name the API would refuse (empty, too long, control characters) is
/// not joined.
/// </summary>
internal sealed class SocketCommands(SocketIoServer io, PushHub hub, SseHub sse) : IConnectionCommands
{
    public int Run(ConnectionCommand command)
    {
        if (command.Kind == ConnectionCommandKind.Announce)
        {
            return Announce(command);
        }

        var sockets = Select(command);
        foreach (var socket in sockets)
        {
            switch (command.Kind)
            {
                case ConnectionCommandKind.Join:
                    foreach (var room in command.Names.Where(r => RoomNames.Validate(r) is null))
                    {
                        _ = hub.JoinAsync(socket, room); // logs its own failures
                    }

                    break;
                case ConnectionCommandKind.Leave:
                    foreach (var room in command.Names.Where(r => r != socket.Id))
                    {
                        socket.Leave(room);
                    }

                    break;
                case ConnectionCommandKind.Disconnect:
                    socket.Disconnect(command.Close);
                    break;
            }
        }

        return sockets.Count;
    }

    // The event to the room's sockets and EventSources here. Only the latest matters to a connection that fell behind.
    private int Announce(ConnectionCommand command)
    {
        var ns = command.Namespace ?? "/";
        var count = 0;
        foreach (var room in command.Rooms)
        {
            var key = "\u0001" + command.Event + "\u0000" + ns + "\u0000" + room;
            if (io.TryGetNamespace(ns, out var nsp))
            {
                count += nsp.To(room).Superseding(key).Emit(command.Event!, command.Data);
            }

            sse.Emit(ns, room, command.Event!, command.Data, key);
        }

        return count;
    }

    // The sockets in any of the command's rooms (all of them when none is named), less those in any `except` room,
    // in its namespace or in every namespace.
    private List<SocketIoSocket> Select(ConnectionCommand command)
    {
        IEnumerable<Namespace> namespaces = command.Namespace is null ? io.Namespaces
            : io.TryGetNamespace(command.Namespace, out var nsp) ? [nsp] : [];
        var picked = namespaces.SelectMany(n => command.Rooms.Count == 0 ? n.Sockets : command.Rooms.SelectMany(n.In).Distinct());
        return [.. picked.Where(s => !command.Except.Any(s.Rooms.Contains))];
    }
}
