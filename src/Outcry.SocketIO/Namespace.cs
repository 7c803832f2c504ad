using System.Collections.Concurrent;
using Outcry.Core;

namespace Outcry.SocketIO;

/// <summary>
/// A Socket.IO namespace ("/", "/chat", or one created on demand by a dynamic namespace): its middlewares,
/// its connection handlers, its sockets and rooms.
/// </summary>
public sealed class Namespace
{
    private readonly ConcurrentDictionary<string, SocketIoSocket> _sockets = new(StringComparer.Ordinal);
    private readonly Handlers _handlers;

    internal Namespace(SocketIoServer server, string name, Handlers? shared = null)
    {
        Server = server;
        Name = name;
        _handlers = shared ?? new Handlers();
    }

    public string Name { get; }

    public SocketIoServer Server { get; }

    /// <summary>The connected sockets (a live view).</summary>
    public ICollection<SocketIoSocket> Sockets => _sockets.Values;

    internal RoomRegistry<SocketIoSocket> Rooms { get; } = new();

    /// <summary>
    /// Broadcasts to several rooms run one at a time, each stamping the sockets it reached with its own number
    /// (<see cref="SocketIoSocket.BroadcastMark"/>), so a socket in several of the rooms gets the packet once.
    /// </summary>
    internal Lock MultiRoomBroadcast { get; } = new();

    internal long LastBroadcastMark { get; set; }

    internal IReadOnlyList<Func<SocketIoSocket, Task>> Middlewares => _handlers.Middlewares;

    /// <summary>
    /// Adds a middleware run for every connection before it is accepted, in order. Throw
    /// <see cref="ConnectionRejectedException"/> to refuse it with a CONNECT_ERROR.
    /// </summary>
    public Namespace Use(Func<SocketIoSocket, Task> middleware)
    {
        lock (_handlers)
        {
            _handlers.Middlewares = [.. _handlers.Middlewares, middleware];
        }

        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for each accepted connection, after its CONNECT answer was queued.</summary>
    public Namespace OnConnection(Action<SocketIoSocket> handler)
    {
        lock (_handlers)
        {
            _handlers.Connection = [.. _handlers.Connection, handler];
        }

        return this;
    }

    /// <summary>
    /// Handles <paramref name="eventName"/> for every socket of the namespace that has no handler of its own for it
    /// (<see cref="SocketIoSocket.On(string, Func{SocketIoArgs, Ack?, Task})"/> wins). One registration serves all
    /// sockets, where registering on each socket in a connection handler holds the handler per connection.
    /// </summary>
    public Namespace On(string eventName, Func<SocketIoSocket, SocketIoArgs, Ack?, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlers)
        {
            _handlers.Events = [.. _handlers.Events.Where(e => e.Key != eventName), new(eventName, handler)];
        }

        return this;
    }

    internal Func<SocketIoSocket, SocketIoArgs, Ack?, Task>? EventHandler(string eventName)
    {
        foreach (var (name, handler) in _handlers.Events)
        {
            if (name == eventName)
            {
                return handler;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs <paramref name="joined"/> each time a socket joins a room and <paramref name="left"/> each time one leaves
    /// (its own id room included; leaving on disconnect too), on the thread that made the change.
    /// </summary>
    public Namespace OnRoomChange(Action<SocketIoSocket, string> joined, Action<SocketIoSocket, string> left)
    {
        lock (_handlers)
        {
            _handlers.Joined = [.. _handlers.Joined, joined];
            _handlers.Left = [.. _handlers.Left, left];
        }

        return this;
    }

    /// <summary>Every socket of the namespace, to narrow with <c>To</c>/<c>Except</c>.</summary>
    public BroadcastOperator Everyone => new(this);

    public BroadcastOperator To(string room) => new BroadcastOperator(this).To(room);

    public BroadcastOperator Except(string room) => new BroadcastOperator(this).Except(room);

    /// <summary>Sends an event to every socket of the namespace; returns the number of recipients.</summary>
    public int Emit(string eventName, params object?[] args) => new BroadcastOperator(this).Emit(eventName, args);

    /// <summary>The number of sockets in <paramref name="room"/>.</summary>
    public int RoomSize(string room) => Rooms.Count(room);

    /// <summary>The sockets in <paramref name="room"/> now (a snapshot).</summary>
    public SocketIoSocket[] In(string room) => Rooms.Members(room);

    /// <summary>The number of non-empty rooms, each socket's own id room included.</summary>
    public int RoomCount => Rooms.RoomCount;

    public bool TryGetSocket(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SocketIoSocket? socket) => _sockets.TryGetValue(id, out socket);

    public void DisconnectSockets(bool close = false)
    {
        foreach (var socket in _sockets.Values)
        {
            socket.Disconnect(close);
        }
    }

    internal void Add(SocketIoSocket socket)
    {
        _sockets[socket.Id] = socket;
        socket.OnConnected();
        foreach (var handler in _handlers.Connection)
        {
            try
            {
                handler(socket);
            }
            catch (Exception e)
            {
                Server.LogHandlerError(socket.Id, "connection", e);
            }
        }

        socket.OnHandlersAttached();
    }

    internal void Remove(SocketIoSocket socket) => _sockets.TryRemove(socket.Id, out _);

    internal void JoinRoom(string room, SocketIoSocket socket)
    {
        if (Rooms.Join(room, socket))
        {
            Notify(_handlers.Joined, socket, room);
        }
    }

    internal void LeaveRoom(string room, SocketIoSocket socket)
    {
        if (Rooms.Leave(room, socket))
        {
            Notify(_handlers.Left, socket, room);
        }
    }

    private void Notify(Action<SocketIoSocket, string>[] handlers, SocketIoSocket socket, string room)
    {
        foreach (var handler in handlers)
        {
            try
            {
                handler(socket, room);
            }
            catch (Exception e)
            {
                Server.LogHandlerError(socket.Id, "room change", e);
            }
        }
    }

    /// <summary>Visits every socket without the snapshot <see cref="Sockets"/> would allocate.</summary>
    internal void ForEachSocket<TState>(TState state, Action<SocketIoSocket, TState> visit)
    {
        foreach (var (_, socket) in _sockets)
        {
            visit(socket, state);
        }
    }

    /// <summary>Middlewares and handlers; shared by reference between a dynamic namespace and its children.</summary>
    internal sealed class Handlers
    {
        public Func<SocketIoSocket, Task>[] Middlewares = [];
        public Action<SocketIoSocket>[] Connection = [];
        public Action<SocketIoSocket, string>[] Joined = [];
        public Action<SocketIoSocket, string>[] Left = [];

        // Replaced whole under the lock, read without it.
        public volatile KeyValuePair<string, Func<SocketIoSocket, SocketIoArgs, Ack?, Task>>[] Events = [];
    }

    internal Namespace CreateChild(string name) => new(Server, name, _handlers);
}
