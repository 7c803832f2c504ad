using System.Collections.Concurrent;
using System.Security.Cryptography;
using Outcry.EngineIO;
using Outcry.SocketIO.Internal;

namespace Outcry.SocketIO;

/// <summary>
/// One client's membership of one namespace, in the spirit of socket.io's server-side <c>Socket</c>:
/// <c>On</c>, <c>Emit</c>, acks both ways, <c>Join</c>/<c>Leave</c>, <c>To(room).Emit</c>, <c>Disconnect</c>.
/// </summary>
public sealed partial class SocketIoSocket
{
    private readonly SocketIoClient _client;
    private readonly SmallDictionary<Func<SocketIoArgs, Ack?, Task>> _handlers = new(StringComparer.Ordinal);
    // Created by the first emit with an ack: most connections never wait for one, and each idle byte counts.
    private ConcurrentDictionary<long, PendingAck>? _pendingAcks;
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private Func<string, SocketIoArgs, Ack?, Task>? _fallback;
    private long _nextAckId;
    private int _connected;

    // Packets that arrived after the CONNECT answer went out but before the connection handlers ran (they may run
    // on another thread than the transport's reader): held back so that no event reaches a socket without handlers.
    private readonly Lock _earlyLock = new();
    private List<SocketIoPacket>? _early = [];

    // All of this socket's output: the highest ordered position queued, and while a hold is open (connecting,
    // recovering, joining a room with its state), the packets that wait.
    private readonly Lock _sendGate = new();
    private long _lastPosition;
    private List<Hold>? _holds;
    private List<(EnginePacket[] Packets, long Position)>? _held;

    /// <summary>The last broadcast to several rooms that reached this socket (under <see cref="Namespace.MultiRoomBroadcast"/>).</summary>
    internal long BroadcastMark;

    internal SocketIoSocket(Namespace nsp, SocketIoClient client, SocketIoHandshake handshake, string? id = null, string? pid = null)
    {
        Namespace = nsp;
        _client = client;
        Handshake = handshake;
        Id = id ?? NewId();
        Pid = pid ?? (client.Server.Recovery is null ? null : NewId());
        Recovered = id is not null;
    }

    /// <summary>This socket's id (not the Engine.IO session id), as socket.io gives it.</summary>
    public string Id { get; }

    /// <summary>The private session id a recovering client presents (null when recovery is off). Never shown to others.</summary>
    public string? Pid { get; }

    /// <summary>Whether this socket is a recovered session: its id, rooms and data came back, and what it missed was replayed.</summary>
    public bool Recovered { get; }

    public Namespace Namespace { get; }

    public SocketIoHandshake Handshake { get; }

    /// <summary>Free for the application (user id, …).</summary>
    public SocketData Data { get; } = new();

    public bool Connected => Volatile.Read(ref _connected) == 1;

    /// <summary>"polling" or "websocket".</summary>
    public string Transport => _client.Engine.Transport;

    /// <summary>The rooms this socket is in, its own id room included (a snapshot).</summary>
    public IReadOnlyCollection<string> Rooms
    {
        get
        {
            lock (_rooms)
            {
                return [.. _rooms];
            }
        }
    }

    /// <summary>How many rooms this socket is in, its own id room included.</summary>
    public int RoomCount
    {
        get
        {
            lock (_rooms)
            {
                return _rooms.Count;
            }
        }
    }

    /// <summary>Raised once, after the socket left every room; the argument is the reason.</summary>
    public event Action<SocketIoSocket, string>? Disconnected;

    public void On(string eventName, Action<SocketIoArgs, Ack?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        On(eventName, (args, ack) =>
        {
            handler(args, ack);
            return Task.CompletedTask;
        });
    }

    public void On(string eventName, Action<SocketIoArgs> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        On(eventName, (args, _) => handler(args));
    }

    public void On(string eventName, Func<SocketIoArgs, Ack?, Task> handler)
    {
        lock (_handlers)
        {
            _handlers.Set(eventName, handler);
        }
    }

    /// <summary>
    /// Handles every event that has no handler of its own, here or on the namespace (<see cref="Namespace.On"/>); the
    /// event name comes first.
    /// </summary>
    public void OnAny(Func<string, SocketIoArgs, Ack?, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlers)
        {
            _fallback = handler;
        }
    }

    /// <summary>Sends an event to this socket. False when the connection is gone.</summary>
    public bool Emit(string eventName, params object?[] args)
    {
        return Connected && Send(PacketEncoder.Event(Namespace.Name, eventName, args));
    }

    /// <summary>Sends an event and waits for the client's acknowledgement; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task<SocketIoArgs> EmitWithAckAsync(string eventName, TimeSpan timeout, params object?[] args)
    {
        var id = Interlocked.Increment(ref _nextAckId) - 1;
        var pending = new PendingAck(this, id);
        var pendingAcks = LazyInitializer.EnsureInitialized(ref _pendingAcks, static () => new(concurrencyLevel: 1, capacity: 4));
        pendingAcks[id] = pending;
        if (!Connected || !Send(PacketEncoder.Event(Namespace.Name, eventName, args, id)))
        {
            pendingAcks.TryRemove(id, out _);
            return Task.FromException<SocketIoArgs>(new InvalidOperationException("The socket is disconnected."));
        }

        pending.StartTimer(_client.Server.Time, timeout);
        return pending.Task;
    }

    public void Join(string room)
    {
        lock (_rooms)
        {
            if (!_rooms.Add(room))
            {
                return;
            }
        }

        Namespace.JoinRoom(room, this);
    }

    public void Leave(string room)
    {
        lock (_rooms)
        {
            if (!_rooms.Remove(room))
            {
                return;
            }
        }

        Namespace.LeaveRoom(room, this);
    }

    /// <summary>Everyone in <paramref name="room"/> but this socket.</summary>
    public BroadcastOperator To(string room) => new BroadcastOperator(Namespace).To(room).Except(this);

    /// <summary>Everyone in the namespace but this socket.</summary>
    public BroadcastOperator Broadcast => new BroadcastOperator(Namespace).Except(this);

    /// <summary>
    /// Leaves the namespace ("server namespace disconnect"; the client sees "io server disconnect" and does not
    /// reconnect by itself). With <paramref name="close"/>, closes the whole underlying connection.
    /// </summary>
    public void Disconnect(bool close = false)
    {
        if (!Connected)
        {
            return;
        }

        if (close)
        {
            _client.Close();
            return;
        }

        Send([PacketEncoder.Disconnect(Namespace.Name)]);
        OnClose("server namespace disconnect");
    }

    internal bool IsInRoom(string room)
    {
        lock (_rooms)
        {
            return _rooms.Contains(room);
        }
    }

    /// <summary>
    /// Everything this socket sends goes through here. An ordered delivery (<paramref name="position"/> &gt; 0) that
    /// the socket already has is skipped; while a hold is open, packets wait in order. False when the connection is gone.
    /// </summary>
    internal bool Send(EnginePacket[] packets, long position = 0)
    {
        lock (_sendGate)
        {
            if (_held is not null)
            {
                _held.Add((packets, position));
                return true;
            }

            return SendNow(packets, position);
        }
    }

    // Under _sendGate: an ordered delivery the socket already has (a replay carried it) is skipped.
    private bool SendNow(EnginePacket[] packets, long position)
    {
        if (position > 0 && position <= _lastPosition)
        {
            return true;
        }

        _lastPosition = Math.Max(_lastPosition, position);
        return _client.Engine.Send(packets);
    }

    /// <summary>
    /// Joins <paramref name="room"/> and sends what <paramref name="snapshot"/> loads (the room's current state)
    /// before any live event of the room: live events are held from the join until the snapshot went out, so the
    /// client never sees a snapshot older than an update it already has.
    /// </summary>
    public async Task JoinWithSnapshotAsync(string room, Func<ValueTask<IReadOnlyList<MissedEvent>>> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var hold = HoldDeliveries();
        IReadOnlyList<MissedEvent> events = [];
        try
        {
            Join(room);
            events = await snapshot().ConfigureAwait(false);
        }
        finally
        {
            ReleaseHeld(hold, events);
        }
    }

    /// <summary>From now on this socket's output waits, until every open hold is released.</summary>
    internal Hold HoldDeliveries()
    {
        lock (_sendGate)
        {
            _held ??= [];
            var hold = new Hold { Mark = _held.Count };
            (_holds ??= []).Add(hold);
            return hold;
        }
    }

    /// <summary>
    /// Ends <paramref name="hold"/>: <paramref name="events"/> — replayed ones (with a position) or a snapshot
    /// (position 0) — take their place before everything held since the hold began; once no hold is open, the
    /// whole queue goes out, skipping ordered deliveries the socket already has.
    /// </summary>
    internal void ReleaseHeld(Hold hold, IReadOnlyList<MissedEvent> events)
    {
        lock (_sendGate)
        {
            var held = _held!;
            var inserted = events.Select(e => (PacketEncoder.Event(Namespace.Name, e.Event, e.Args), e.Position)).ToList();
            held.InsertRange(hold.Mark, inserted);
            var holds = _holds!;
            holds.Remove(hold);
            foreach (var other in holds)
            {
                if (other.Mark >= hold.Mark)
                {
                    other.Mark += inserted.Count;
                }
            }

            if (holds.Count > 0)
            {
                return;
            }

            // An idle socket keeps neither list.
            _held = null;
            _holds = null;
            foreach (var (packets, position) in held)
            {
                SendNow(packets, position);
            }
        }
    }

    /// <summary>An open hold: where in the held queue its own events belong.</summary>
    internal sealed class Hold
    {
        public int Mark;
    }

    internal void OnConnected()
    {
        Volatile.Write(ref _connected, 1);
        Join(Id);
    }

    /// <summary>A recovering socket's rooms, joined before it is connected (its deliveries are held meanwhile).</summary>
    internal void RejoinForRecovery(IEnumerable<string> rooms)
    {
        foreach (var room in rooms)
        {
            Join(room);
        }
    }

    /// <summary>Leaves every room of a socket that will not be connected after all.</summary>
    internal void LeaveAll()
    {
        foreach (var room in Rooms)
        {
            Leave(room);
        }
    }

    internal void OnPacket(SocketIoPacket packet)
    {
        lock (_earlyLock)
        {
            if (_early is not null)
            {
                _early.Add(packet);
                return;
            }
        }

        Handle(packet);
    }

    /// <summary>Called once the connection handlers ran: handles the held-back packets, in order, then goes live.</summary>
    internal void OnHandlersAttached()
    {
        while (true)
        {
            List<SocketIoPacket> batch;
            lock (_earlyLock)
            {
                batch = _early!;
                if (batch.Count == 0)
                {
                    _early = null;
                    return;
                }

                _early = [];
            }

            foreach (var packet in batch)
            {
                Handle(packet);
            }
        }
    }

    private void Handle(SocketIoPacket packet)
    {
        switch (packet.Type)
        {
            case PacketType.Event or PacketType.BinaryEvent:
                OnEvent(packet);
                break;
            case PacketType.Ack or PacketType.BinaryAck:
                if (Volatile.Read(ref _pendingAcks) is { } pendingAcks && pendingAcks.TryRemove(packet.AckId, out var pending))
                {
                    pending.Complete(new SocketIoArgs(packet.Data, 0, packet.Attachments));
                }

                break;
            case PacketType.Disconnect:
                OnClose("client namespace disconnect");
                break;
            default:
                _client.ProtocolViolation("unexpected packet type " + packet.Type);
                break;
        }
    }

    internal void OnClose(string reason)
    {
        if (Interlocked.Exchange(ref _connected, 0) != 1)
        {
            return;
        }

        string[] rooms;
        lock (_rooms)
        {
            rooms = [.. _rooms];
            _rooms.Clear();
        }

        if (Pid is not null && RecoverableReasons.Contains(reason))
        {
            try
            {
                _client.Server.Recovery?.OnDisconnected(this, rooms);
            }
            catch (Exception e)
            {
                _client.Server.LogHandlerError(Id, "recovery", e);
            }
        }

        foreach (var room in rooms)
        {
            Namespace.LeaveRoom(room, this);
        }

        Namespace.Remove(this);
        _client.Remove(this);
        if (Volatile.Read(ref _pendingAcks) is { } waiting)
        {
            foreach (var pending in waiting.Values)
            {
                pending.Fail(new InvalidOperationException("The socket disconnected before acknowledging: " + reason));
            }

            waiting.Clear();
        }

        try
        {
            Disconnected?.Invoke(this, reason);
        }
        catch (Exception e)
        {
            _client.Server.LogHandlerError(Id, "disconnect", e);
        }
    }

    private void OnEvent(SocketIoPacket packet)
    {
        var name = packet.Data[0];
        var eventName = name.ValueKind == System.Text.Json.JsonValueKind.String ? name.GetString()! : name.GetRawText();
        Func<SocketIoArgs, Ack?, Task>? handler;
        Func<string, SocketIoArgs, Ack?, Task>? fallback;
        lock (_handlers)
        {
            _handlers.TryGetValue(eventName, out handler);
            fallback = _fallback;
        }

        var shared = handler is null ? Namespace.EventHandler(eventName) : null;
        if (handler is null && shared is null && fallback is null)
        {
            return;
        }

        var args = new SocketIoArgs(packet.Data, 1, packet.Attachments);
        Ack? ack = packet.AckId >= 0 ? CreateAck(packet.AckId) : null;
        try
        {
            var task = handler is not null ? handler(args, ack)
                : shared is not null ? shared(this, args, ack)
                : fallback!(eventName, args, ack);
            if (!task.IsCompletedSuccessfully)
            {
                task.ContinueWith(
                    static (t, s) => ((SocketIoSocket)s!).OnHandlerFault(t),
                    this,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
        catch (Exception e)
        {
            _client.Server.LogHandlerError(Id, eventName, e);
        }
    }

    private void OnHandlerFault(Task task) => _client.Server.LogHandlerError(Id, "async handler", task.Exception!);

    private Ack CreateAck(long ackId)
    {
        var sent = 0;
        return args =>
        {
            if (Interlocked.Exchange(ref sent, 1) == 0 && Connected)
            {
                Send(PacketEncoder.Ack(Namespace.Name, ackId, args));
            }
        };
    }

    // socket.io's RECOVERABLE_DISCONNECT_REASONS: the link was lost, not ended on purpose by either side.
    private static readonly HashSet<string> RecoverableReasons =
        ["transport error", "transport close", "forced close", "ping timeout", "server shutting down", "forced server close"];

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    private sealed class PendingAck(SocketIoSocket socket, long id)
    {
        private readonly TaskCompletionSource<SocketIoArgs> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ITimer? _timer;

        public Task<SocketIoArgs> Task => _completion.Task;

        public void StartTimer(TimeProvider time, TimeSpan timeout)
        {
            _timer = time.CreateTimer(static s => ((PendingAck)s!).OnTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
            if (_completion.Task.IsCompleted)
            {
                _timer.Dispose();
            }
        }

        public void Complete(SocketIoArgs args)
        {
            _timer?.Dispose();
            _completion.TrySetResult(args);
        }

        public void Fail(Exception e)
        {
            _timer?.Dispose();
            _completion.TrySetException(e);
        }

        private void OnTimeout()
        {
            socket._pendingAcks?.TryRemove(id, out _);
            _timer?.Dispose();
            _completion.TrySetException(new TimeoutException("The client did not acknowledge in time."));
        }
    }
}
