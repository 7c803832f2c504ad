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
/// A minimal WebSocket client on a raw socket: one buffer, no per-message allocation, whole frames parsed in place.
/// Thousands live in one process, so it keeps only what the benchmark needs: the room, the next expected sequence
/// number, and counts.
/// </summary>
internal sealed class WsClient : IDisposable
{
    private const int IpBindAddressNoPort = 24; // Linux: pick the port at connect(), not bind(), so binding is O(1)
    private static readonly byte[] UpgradeEnd = "\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Wire _wire;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _buffer = new byte[2048];
    private int _start;
    private int _end;

    private WsClient(Socket socket, Wire wire, int room)
    {
        _socket = socket;
        _wire = wire;
        Room = room;
    }

    public int Room { get; }

    /// <summary>The sequence number the next event must carry.</summary>
    public long NextSeq { get; set; }

    public long Received { get; set; }

    /// <summary>Events out of order, repeated, or unreadable.</summary>
    public long Errors { get; set; }

    /// <summary>Completes when the server accepted the client at the protocol level.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Opens the TCP connection from <paramref name="source"/> and upgrades it to a WebSocket.</summary>
    public static async Task<WsClient> OpenAsync(IPEndPoint server, IPAddress source, Wire wire, int room, string roomName, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new WsClient(socket, wire, room);
        try
        {
            BindForMany(socket, source);
            await socket.ConnectAsync(server, cancel).ConfigureAwait(false);
            var request = $"GET {wire.PathFor(roomName)} HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancel).ConfigureAwait(false);
            await client.ReadUpgradeAsync(cancel).ConfigureAwait(false);
            if (wire.Hello.Length > 0)
            {
                await socket.SendAsync(wire.Hello, SocketFlags.None, cancel).ConfigureAwait(false);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Binds to <paramref name="source"/> with the port left to connect(): one source address has ~28k ports toward one
    /// destination, so workers use 127.0.0.2, .3, …, and without IP_BIND_ADDRESS_NO_PORT binding is O(n) in the kernel.
    /// </summary>
    public static void BindForMany(Socket socket, IPAddress source)
    {
        socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BitConverter.GetBytes(1));
        socket.Bind(new IPEndPoint(source, 0));
    }

    /// <summary>Receives until the server closes the connection or <paramref name="cancel"/> fires.</summary>
    public async Task RunAsync(IEventSink sink, CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                if (!ReadFrames(sink))
                {
                    return;
                }

                if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                _end += read;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _connected.TrySetException(new IOException("closed before the server accepted the client"));
        }
    }

    public void Send(byte[] frame)
    {
        try
        {
            _socket.Send(frame);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task ReadUpgradeAsync(CancellationToken cancel)
    {
        while (true)
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("closed during the WebSocket upgrade");
            }

            _end += read;
            var headerEnd = _buffer.AsSpan(0, _end).IndexOf(UpgradeEnd);
            if (headerEnd >= 0)
            {
                if (!_buffer.AsSpan().StartsWith("HTTP/1.1 101"u8))
                {
                    var status = Encoding.ASCII.GetString(_buffer, 0, Math.Min(_end, 200)).Split("\r\n")[0];
                    throw new IOException($"upgrade refused: {status}");
                }

                _start = headerEnd + UpgradeEnd.Length;
                return;
            }

            if (_end == _buffer.Length)
            {
                throw new IOException("upgrade answer too long");
            }
        }
    }

    // RFC 6455 §5.2: FIN|opcode, MASK|len7 [len16|len64] [mask key] payload. Servers send unmasked, unfragmented
    // frames here; a fragment is counted as an error.
    private bool ReadFrames(IEventSink sink)
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

                    OnText(payload, sink);
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

    private void OnText(ReadOnlySpan<byte> frame, IEventSink sink)
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
                sink.OnEvent(this, frame[payload]);
            }

            frame = frame[length..];
        }
    }
}
