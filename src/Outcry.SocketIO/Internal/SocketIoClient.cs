using Outcry.EngineIO;

namespace Outcry.SocketIO.Internal;

/// <summary>
/// The Socket.IO side of one Engine.IO connection: decodes packets (reassembling binary attachments),
/// routes them to the socket of their namespace, and enforces connectTimeout.
/// </summary>
internal sealed class SocketIoClient
{
    private readonly SmallDictionary<SocketIoSocket> _sockets = new(StringComparer.Ordinal);
    private ITimer? _connectTimer;

    // Namespaces whose CONNECT is being decided; only while one is (an idle connection holds no set).
    private HashSet<string>? _connecting;
    private SocketIoPacket? _reconstructing;

    public SocketIoClient(SocketIoServer server, EngineSocket engine)
    {
        Server = server;
        Engine = engine;
        _connectTimer = server.Time.CreateTimer(static s => ((SocketIoClient)s!).OnConnectTimeout(), this, server.Options.ConnectTimeout, Timeout.InfiniteTimeSpan);
    }

    public SocketIoServer Server { get; }

    public EngineSocket Engine { get; }

    public void OnMessage(EngineMessage message)
    {
        if (message.IsBinary)
        {
            if (_reconstructing is null)
            {
                ProtocolViolation("got binary data when not reconstructing a packet");
                return;
            }

            _reconstructing.Attachments.Add(message.Data);
            if (_reconstructing.IsComplete)
            {
                var packet = _reconstructing;
                _reconstructing = null;
                if (!PacketDecoder.PlaceholdersAreValid(packet.Data, packet.AttachmentCount))
                {
                    ProtocolViolation("illegal attachments");
                    return;
                }

                Dispatch(packet);
            }

            return;
        }

        if (_reconstructing is not null)
        {
            ProtocolViolation("got plaintext data when reconstructing a packet");
            return;
        }

        if (!PacketDecoder.TryDecode(message.Data.Span, Server.Options.MaxAttachments, out var decoded, out var error))
        {
            ProtocolViolation(error);
            return;
        }

        if (decoded!.IsComplete)
        {
            Dispatch(decoded);
        }
        else
        {
            _reconstructing = decoded;
        }
    }

    public void OnClose(string reason)
    {
        Interlocked.Exchange(ref _connectTimer, null)?.Dispose();
        SocketIoSocket[] sockets;
        lock (_sockets)
        {
            sockets = [.. _sockets.Values];
        }

        foreach (var socket in sockets)
        {
            socket.OnClose(reason);
        }
    }

    /// <summary>Closes the whole connection (every namespace).</summary>
    public void Close() => Engine.Close();

    /// <summary>An invalid packet closes the connection, as the reference server does ("parse error").</summary>
    public void ProtocolViolation(string what)
    {
        Server.LogProtocolViolation(Engine.Id, what);
        Engine.Close();
    }

    public void Remove(SocketIoSocket socket)
    {
        lock (_sockets)
        {
            _sockets.Remove(socket.Namespace.Name);
        }
    }

    // As the reference client.ts: CONNECT only for a namespace not joined yet; anything else only for a joined
    // one; any other combination (a second CONNECT, an event for a namespace never joined, a CONNECT_ERROR sent
    // by a client) is an invalid state that closes the connection.
    private void Dispatch(SocketIoPacket packet)
    {
        bool joined;
        SocketIoSocket? socket;
        lock (_sockets)
        {
            joined = _sockets.TryGetValue(packet.Namespace, out socket) || _connecting?.Contains(packet.Namespace) == true;
        }

        if (packet.Type == PacketType.Connect && !joined)
        {
            _ = ConnectAsync(packet);
        }
        else if (socket is not null && packet.Type is not (PacketType.Connect or PacketType.ConnectError))
        {
            socket.OnPacket(packet);
        }
        else
        {
            ProtocolViolation($"invalid state: {packet.Type} for namespace {packet.Namespace}");
        }
    }

    private async Task ConnectAsync(SocketIoPacket packet)
    {
        var name = packet.Namespace;
        lock (_sockets)
        {
            (_connecting ??= new(StringComparer.Ordinal)).Add(name);
        }

        try
        {
            var nsp = Server.Lookup(name);
            if (nsp is null)
            {
                Engine.Send(PacketEncoder.ConnectError(name, "Invalid namespace", null));
                return;
            }

            var handshake = new SocketIoHandshake(Engine.Handshake, packet.Data);
            if (await TryRecoverAsync(nsp, handshake).ConfigureAwait(false))
            {
                return;
            }

            var socket = new SocketIoSocket(nsp, this, handshake);
            foreach (var middleware in nsp.Middlewares)
            {
                try
                {
                    await middleware(socket).ConfigureAwait(false);
                }
                catch (ConnectionRejectedException e)
                {
                    Engine.Send(PacketEncoder.ConnectError(name, e.Message, e.ErrorData));
                    return;
                }
                catch (Exception e)
                {
                    Server.LogHandlerError(socket.Id, "middleware", e);
                    Engine.Send(PacketEncoder.ConnectError(name, "Internal server error", null));
                    return;
                }
            }

            Accept(socket, recovering: null, replay: null);
        }
        finally
        {
            lock (_sockets)
            {
                _connecting!.Remove(name);
                if (_connecting.Count == 0)
                {
                    _connecting = null;
                }
            }
        }
    }

    // Registers the socket and runs its connection handlers before answering CONNECT (with the pid under recovery),
    // all of the socket's output held meanwhile: once a client sees "connect" it is in every room its handlers
    // joined, and what they sent (events, current state, a recovery's replay) follows the CONNECT answer in order.
    private void Accept(SocketIoSocket socket, SocketIoSocket.Hold? recovering, IReadOnlyList<MissedEvent>? replay)
    {
        if (!Engine.IsOpen)
        {
            socket.LeaveAll();
            return;
        }

        var hold = socket.HoldDeliveries();
        lock (_sockets)
        {
            _sockets.Set(socket.Namespace.Name, socket);
        }

        // Only the first CONNECT is timed (as socket.io): the timer is done for good, and let go.
        Interlocked.Exchange(ref _connectTimer, null)?.Dispose();
        socket.Namespace.Add(socket);
        Engine.Send(PacketEncoder.Connect(socket.Namespace.Name, socket.Id, socket.Pid));
        socket.ReleaseHeld(hold, []);
        if (recovering is not null)
        {
            socket.ReleaseHeld(recovering, replay ?? []);
        }
    }

    // CONNECT auth {pid, offset} from a client that had a session: restore it when the recovery handler can.
    // As socket.io (skipMiddlewares), a restored session does not run the middlewares again: its data came back.
    private async Task<bool> TryRecoverAsync(Namespace nsp, SocketIoHandshake handshake)
    {
        var recovery = Server.Recovery;
        if (recovery is null || handshake.Auth.ValueKind != System.Text.Json.JsonValueKind.Object
            || !handshake.Auth.TryGetProperty("pid", out var pid) || pid.ValueKind != System.Text.Json.JsonValueKind.String)
        {
            return false;
        }

        var offset = handshake.Auth.TryGetProperty("offset", out var o) && o.ValueKind == System.Text.Json.JsonValueKind.String ? o.GetString() : null;
        var session = await recovery.RestoreAsync(nsp, pid.GetString()!, offset).ConfigureAwait(false);
        if (session is null)
        {
            return false;
        }

        var socket = new SocketIoSocket(nsp, this, handshake, session.Id, pid.GetString());
        foreach (var (key, value) in session.Data)
        {
            socket.Data[key] = value;
        }

        // Back in its rooms before reading what it missed, with live events held: nothing can fall in between.
        var recovering = socket.HoldDeliveries();
        socket.RejoinForRecovery(session.Rooms);
        var replay = await session.ReplayAsync().ConfigureAwait(false);
        if (replay is null)
        {
            socket.LeaveAll();
            return false;
        }

        Accept(socket, recovering, replay);
        return true;
    }

    private void OnConnectTimeout()
    {
        lock (_sockets)
        {
            if (_sockets.Count > 0)
            {
                return;
            }
        }

        Server.LogConnectTimeout(Engine.Id);
        Engine.Close();
    }
}
