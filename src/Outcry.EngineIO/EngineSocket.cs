using System.Text.Json;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// One Engine.IO session. Outbound packets go into one queue that whichever transport is current drains
/// (a pending polling GET, or the WebSocket writer loop), so order survives an upgrade. Inbound packets
/// reach the handler one at a time, in order.
/// </summary>
public sealed partial class EngineSocket
{
    private readonly EngineIoServer _server;
    private readonly OutboundQueue<EnginePacket> _outbound;

    // Serialises writers so that a packet and its binary attachments stay adjacent in the queue.
    private readonly Lock _sendLock = new();

    // Serialises handler calls: OnMessage from the transport, OnClose from a timer or another thread.
    private readonly Lock _inboundLock = new();

    // Guards transport state: current transport, pending requests, upgrade.
    private readonly Lock _gate = new();
    private readonly ITimer _heartbeat;
    private bool _awaitingPong;

    // When the next ping is due, and (while awaiting a pong) when the session dies: measured from the
    // scheduled ping time, so a late timer never stretches pingInterval + pingTimeout.
    private DateTimeOffset _pingDue;
    private DateTimeOffset _pongDeadline;
    private int _closed;
    private int _cutOff;
    private bool _isWebSocket;
    private bool _upgrading;

    // Set once "3probe" went out during an upgrade; completed when that upgrade succeeds or fails.
    private bool _probeAnswered;
    private TaskCompletionSource? _upgradeSettled;

    // Set while the WebSocket transport runs: it writes what is queued.
    private WebSocketWriter? _writer;

    internal EngineSocket(EngineIoServer server, string id, EngineHandshake handshake, bool isWebSocket)
    {
        _server = server;
        Id = id;
        Handshake = handshake;
        _isWebSocket = isWebSocket;
        _outbound = new OutboundQueue<EnginePacket>(server.Options.MaxQueuedPackets, server.Options.BacklogThreshold);
        _heartbeat = DetachedTimer.Create(server.Time, static s => ((EngineSocket)s!).OnHeartbeatTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The session id ("sid"), 20 characters from 15 cryptographically random bytes.</summary>
    public string Id { get; }

    public EngineHandshake Handshake { get; }

    /// <summary>"polling" or "websocket".</summary>
    public string Transport
    {
        get
        {
            lock (_gate)
            {
                return _isWebSocket ? "websocket" : "polling";
            }
        }
    }

    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <summary>Free for the handler above (Socket.IO keeps its client here).</summary>
    public object? State { get; set; }

    /// <summary>Queues one packet. Returns false when the session is closed (or just got closed as too slow).</summary>
    public bool Send(EnginePacket packet)
    {
        lock (_sendLock)
        {
            return Enqueue(packet);
        }
    }

    /// <summary>Queues packets back to back (a Socket.IO binary packet and its attachments).</summary>
    public bool Send(ReadOnlySpan<EnginePacket> packets)
    {
        lock (_sendLock)
        {
            foreach (var packet in packets)
            {
                if (!Enqueue(packet))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Closes the session from the server side ("forced close"): queued packets are still sent first.</summary>
    public void Close() => Close("forced close");

    internal void Open()
    {
        var open = JsonSerializer.SerializeToUtf8Bytes(new OpenPacket(
            Id,
            _isWebSocket || !_server.Options.AllowUpgrades || !_server.Options.Transports.Contains("websocket") ? [] : ["websocket"],
            (int)_server.Options.PingInterval.TotalMilliseconds,
            (int)_server.Options.PingTimeout.TotalMilliseconds,
            _server.Options.MaxHttpBufferSize), EngineIoJsonContext.Default.OpenPacket);
        var bytes = new byte[open.Length + 1];
        bytes[0] = (byte)'0';
        open.CopyTo(bytes, 1);
        Send(EnginePacket.FromEncoded(bytes));
        Interlocked.Increment(ref _isWebSocket ? ref _server.Metrics.WebSocketConnections : ref _server.Metrics.PollingConnections);
        lock (_gate)
        {
            SchedulePing();
        }

        lock (_inboundLock)
        {
            _server.Handler.OnOpen(this);
        }
    }

    internal void Close(string reason) => Close(reason, EnginePacket.Close);

    /// <summary>
    /// Closes the session unless the pong deadline already passed, in which case it is closed now as
    /// "ping timeout" (the timer may not have fired yet). Returns whether the session is still open.
    /// </summary>
    internal bool CheckAlive()
    {
        bool timedOut;
        lock (_gate)
        {
            timedOut = _awaitingPong && _server.Time.GetUtcNow() >= _pongDeadline;
        }

        if (timedOut)
        {
            Close("ping timeout");
        }

        return IsOpen;
    }

    private void Close(string reason, EnginePacket marker)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _heartbeat.Dispose();
        lock (_sendLock)
        {
            // The close marker ends the queue: a pending GET answers "1", the WebSocket writer sends a close frame.
            _outbound.Complete(marker);
        }

        if (Volatile.Read(ref _writer) is { } writer)
        {
            writer.Schedule();
            _ = writer.DropUnlessClosedWithinAsync(2 * CloseHandshakeGrace);
        }

        lock (_gate)
        {
            Interlocked.Decrement(ref _isWebSocket ? ref _server.Metrics.WebSocketConnections : ref _server.Metrics.PollingConnections);
        }

        if (reason is "transport error" or "parse error")
        {
            Interlocked.Increment(ref _server.Metrics.TransportErrors);
        }

        _server.Remove(this, reason);
        lock (_inboundLock)
        {
            try
            {
                _server.Handler.OnClose(this, reason);
            }
            catch (Exception e)
            {
                _server.LogHandlerError(Id, e);
            }
        }
    }

    // Under _sendLock.
    private bool Enqueue(EnginePacket packet)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return false;
        }

        switch (_outbound.Enqueue(packet, out var superseded))
        {
            case Enqueued.Dropped:
                Interlocked.Increment(ref _server.Metrics.Dropped);
                return true;
            case Enqueued.Full:
                // Explicit policy: a consumer this far behind is cut off rather than allowed to grow without bound.
                if (Interlocked.Exchange(ref _cutOff, 1) == 0)
                {
                    Interlocked.Increment(ref _server.Metrics.SlowConsumers);
                    _server.LogSlowConsumer(Id, _server.Options.MaxQueuedPackets);
                    ThreadPool.UnsafeQueueUserWorkItem(static s => s.Close("transport error"), this, preferLocal: false);
                }

                return false;
            default:
                if (superseded > 0)
                {
                    Interlocked.Add(ref _server.Metrics.Conflated, superseded);
                }

                Volatile.Read(ref _writer)?.Schedule();
                return true;
        }
    }

    /// <summary>Everything queued (the close marker last), for the WebSocket writer; it counts them with <see cref="CountSent"/>.</summary>
    internal void TakeQueued(List<EnginePacket> into) => _outbound.TakeAll(into);

    /// <summary>Whether anything, the close marker included, waits to be taken.</summary>
    internal bool HasQueued => !_outbound.IsEmpty;

    internal void CountSent(int packets, long bytes)
    {
        if (packets > 0)
        {
            Interlocked.Add(ref _server.Metrics.PacketsOut, packets);
            Interlocked.Add(ref _server.Metrics.BytesOut, bytes);
        }
    }

    internal void LogWriteFailed(Exception e) => _server.LogWriteFailed(Id, e);

    private bool TryDequeue(out EnginePacket packet)
    {
        if (!_outbound.TryDequeue(out packet))
        {
            return false;
        }

        CountSent(1, packet.Data.Length);
        return true;
    }

    /// <summary>Handles one decoded inbound packet, whatever transport brought it.</summary>
    private void OnPacket(DecodedPacket packet)
    {
        Interlocked.Increment(ref _server.Metrics.PacketsIn);
        Interlocked.Add(ref _server.Metrics.BytesIn, packet.Data.Length + 1);
        switch (packet.Type)
        {
            case EnginePacketType.Message:
                lock (_inboundLock)
                {
                    if (!IsOpen)
                    {
                        return;
                    }

                    try
                    {
                        _server.Handler.OnMessage(this, new EngineMessage(packet.Data, packet.IsBinary));
                    }
                    catch (Exception e)
                    {
                        _server.LogHandlerError(Id, e);
                    }
                }

                break;
            case EnginePacketType.Pong:
                lock (_gate)
                {
                    if (_awaitingPong && IsOpen)
                    {
                        _awaitingPong = false;
                        SchedulePing();
                    }
                }

                break;
            case EnginePacketType.Close:
                // Client-initiated: a pending GET is released with a noop rather than a close packet.
                Close("transport close", EnginePacket.ClientClose);
                break;
            case EnginePacketType.Noop:
                break;
            default:
                // open, ping (v4 heartbeats go server → client), upgrade outside a probe: protocol violations.
                _server.LogProtocolViolation(Id, packet.Type.ToString());
                Close("parse error");
                break;
        }
    }

    // Call under _gate.
    private void SchedulePing()
    {
        _pingDue = _server.Time.GetUtcNow() + _server.Options.PingInterval;
        _heartbeat.Change(_server.Options.PingInterval, Timeout.InfiniteTimeSpan);
    }

    private void OnHeartbeatTimer()
    {
        bool timedOut;
        lock (_gate)
        {
            if (!IsOpen)
            {
                return;
            }

            var now = _server.Time.GetUtcNow();
            timedOut = _awaitingPong && now >= _pongDeadline;
            if (_awaitingPong && !timedOut)
            {
                // Fired early (or a pong raced the timer and lost): wait out the rest of the deadline.
                _heartbeat.Change(_pongDeadline - now, Timeout.InfiniteTimeSpan);
                return;
            }

            if (!timedOut)
            {
                _awaitingPong = true;
                _pongDeadline = _pingDue + _server.Options.PingTimeout;
                _heartbeat.Change(_pongDeadline > now ? _pongDeadline - now : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }

        // Outside _gate: sending and closing take other locks.
        if (timedOut)
        {
            Close("ping timeout");
        }
        else
        {
            Send(EnginePacket.Ping);
        }
    }
}
