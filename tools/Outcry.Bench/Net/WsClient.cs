using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcry.Bench.Net;

/// <summary>What a client does with the events it receives (called on the receiving thread).</summary>
internal interface IEventSink
{
    void OnEvent(WsClient client, ReadOnlySpan<byte> payload);
}

/// <summary>
/// A minimal WebSocket client on a raw non-blocking socket, served by the process's <see cref="EpollLoop"/>: one
/// buffer, no per-message allocation, whole frames parsed in place. Thousands live in one process, so it keeps only
/// what the benchmark needs: the room, the next expected sequence number, and counts. Everything but
/// <see cref="Send"/> and <see cref="Dispose"/> runs on the loop's thread.
/// </summary>
internal sealed class WsClient : IDisposable
{
    private static readonly byte[] UpgradeEnd = "\r\n\r\n"u8.ToArray();

    private readonly EpollLoop _loop;
    private readonly Wire _wire;
    private readonly IEventSink _sink;
    private readonly byte[] _request;
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new(); // between the loop closing the socket and another thread sending on it
    private State _state;
    private byte[] _buffer = new byte[2048];
    private int _start;
    private int _end;

    private WsClient(EpollLoop loop, int fd, Wire wire, IEventSink sink, int room, byte[] request)
    {
        _loop = loop;
        Fd = fd;
        _wire = wire;
        _sink = sink;
        Room = room;
        _request = request;
    }

    private enum State
    {
        Connecting,
        Upgrading,
        Open,
        Closed,
    }

    public int Fd { get; }

    public int Room { get; }

    /// <summary>The sequence number the next event must carry.</summary>
    public long NextSeq { get; set; }

    public long Received { get; set; }

    /// <summary>Events out of order, repeated, or unreadable.</summary>
    public long Errors { get; set; }

    /// <summary>Completes when the server accepted the client at the protocol level.</summary>
    public Task Connected => _connected.Task;

    /// <summary>
    /// Connects from <paramref name="source"/>, upgrades to a WebSocket and says the wire's hello; the events that
    /// follow go to <paramref name="sink"/>.
    /// </summary>
    public static async Task<WsClient> OpenAsync(IPEndPoint server, IPAddress source, Wire wire, IEventSink sink, int room, string roomName, CancellationToken cancel)
    {
        var request = Encoding.ASCII.GetBytes($"GET {wire.PathFor(roomName)} HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var fd = Libc.TcpSocket(source);
        var client = new WsClient(EpollLoop.Shared, fd, wire, sink, room, request);
        try
        {
            if (Libc.StartConnect(fd, server))
            {
                client.SendRequest();
                client._loop.Add(client, Libc.EPOLLIN | Libc.EPOLLRDHUP);
            }
            else
            {
                client._loop.Add(client, Libc.EPOLLOUT);
            }
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }

        try
        {
            await client._open.Task.WaitAsync(cancel).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends a whole frame; a failure shows later as the connection closing.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        lock (_lock)
        {
            if (_state != State.Closed)
            {
                _ = Libc.Send(Fd, frame);
            }
        }
    }

    /// <summary>Ends the connection: the loop sees it end and closes the socket.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_state != State.Closed)
            {
                Libc.Shutdown(Fd);
            }
        }
    }

    /// <summary>
    /// The socket is ready: called by the loop. Which events does not matter: connect()'s outcome is read from the
    /// socket, and a read tells data, end and error apart.
    /// </summary>
    public void OnReady()
    {
        try
        {
            if (_state == State.Connecting)
            {
                var error = Libc.PendingError(Fd);
                if (error != 0)
                {
                    throw new SocketException(error);
                }

                _loop.Modify(this, Libc.EPOLLIN | Libc.EPOLLRDHUP);
                SendRequest();
                return;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = Libc.Receive(Fd, _buffer.AsSpan(_end));
            if (read < 0)
            {
                var errno = Libc.Errno;
                if (errno is Libc.EAGAIN or Libc.EINTR)
                {
                    return;
                }

                throw new SocketException(errno);
            }

            if (read == 0)
            {
                throw new IOException(_state == State.Upgrading ? "closed during the WebSocket upgrade" : "closed by the server");
            }

            _end += (int)read;
            if ((_state == State.Upgrading && !ReadUpgrade()) || (_state == State.Open && !ReadFrames()))
            {
                throw new IOException("closed by the server");
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    // Connected: the request goes out now (a fresh connection's send buffer takes it whole), the answer comes to the loop.
    private void SendRequest()
    {
        _state = State.Upgrading;
        if (Libc.Send(Fd, _request) != _request.Length)
        {
            throw new SocketException(Libc.Errno);
        }
    }

    private void Fail(Exception e)
    {
        lock (_lock)
        {
            if (_state == State.Closed)
            {
                return;
            }

            _state = State.Closed;
            _loop.Close(this);
        }

        _open.TrySetException(e);
        _connected.TrySetException(new IOException("closed before the server accepted the client", e));
    }

    // The 101 answer; frames may follow it in the same read. False if the server refused.
    private bool ReadUpgrade()
    {
        var headerEnd = _buffer.AsSpan(0, _end).IndexOf(UpgradeEnd);
        if (headerEnd < 0)
        {
            return _end < _buffer.Length ? true : throw new IOException("upgrade answer too long");
        }

        if (!_buffer.AsSpan().StartsWith("HTTP/1.1 101"u8))
        {
            var status = Encoding.ASCII.GetString(_buffer, 0, Math.Min(_end, 200)).Split("\r\n")[0];
            throw new IOException($"upgrade refused: {status}");
        }

        _start = headerEnd + UpgradeEnd.Length;
        _state = State.Open;
        if (_wire.Hello.Length > 0)
        {
            Send(_wire.Hello);
        }

        _open.TrySetResult();
        return ReadFrames();
    }

    // RFC 6455 §5.2: FIN|opcode, MASK|len7 [len16|len64] [mask key] payload. Servers send unmasked, unfragmented
    // frames here; a fragment is counted as an error.
    private bool ReadFrames()
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            if (span.Length < 2)
            {
                break;
            }

            var opcode = span[0] & 0x0f;
            long length = span[1] & 0x7f;
            var header = 2;
            if (length == 126)
            {
                if (span.Length < 4)
                {
                    break;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
                header = 4;
            }
            else if (length == 127)
            {
                if (span.Length < 10)
                {
                    break;
                }

                length = (long)BinaryPrimitives.ReadUInt64BigEndian(span[2..]);
                header = 10;
            }

            if ((span[1] & 0x80) != 0)
            {
                header += 4;
            }

            if (span.Length < header + length)
            {
                if (header + length > _buffer.Length)
                {
                    Array.Resize(ref _buffer, (int)Math.Max(_buffer.Length * 2, header + length));
                }

                break;
            }

            var payload = span.Slice(header, (int)length);
            _start += header + (int)length;
            switch (opcode)
            {
                case 1:
                    if ((span[0] & 0x80) == 0)
                    {
                        Errors++;
                    }

                    OnText(payload);
                    break;
                case 8:
                    return false;
                case 9:
                    Send([0x8a, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload]);
                    break;
                default:
                    break;
            }
        }

        // Keep a partial frame at the start of the buffer.
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        return true;
    }

    private void OnText(ReadOnlySpan<byte> frame)
    {
        while (!frame.IsEmpty)
        {
            var kind = _wire.Read(frame, out var reply, out var payload, out var length);
            if (reply.Length > 0)
            {
                Send(reply);
            }

            if (kind == Incoming.Connected)
            {
                _connected.TrySetResult();
            }
            else if (kind == Incoming.Event)
            {
                _sink.OnEvent(this, frame[payload]);
            }

            frame = frame[length..];
        }
    }
}
