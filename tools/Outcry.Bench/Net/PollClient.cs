using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Outcry.Bench.Net;

/// <summary>
/// A minimal Engine.IO v4 long-polling client, for the memory an idle polling session costs the server: one
/// keep-alive HTTP/1.1 connection on which it asks, in turn, for the next packets (the server holds that GET until it
/// has one) and answers pings with a POST. It joins the default namespace and ignores events.
/// </summary>
internal sealed class PollClient : IDisposable
{
    private const byte Separator = 0x1e; // between packets of one polling payload
    private readonly Socket _socket;
    private readonly string _host;
    private readonly string _path;
    private byte[] _buffer = new byte[1024];
    private int _end;
    private string _sid = "";

    private PollClient(Socket socket, string host, string room)
    {
        _socket = socket;
        _host = host;
        _path = $"/socket.io/?EIO=4&transport=polling&itemId={Uri.EscapeDataString(room)}";
    }

    /// <summary>Opens a session, joins the default namespace and returns once the server has accepted it.</summary>
    public static async Task<PollClient> OpenAsync(IPEndPoint server, IPAddress source, string room, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new PollClient(socket, server.ToString(), room);
        try
        {
            BindForMany(socket, source);
            await socket.ConnectAsync(server, cancel).ConfigureAwait(false);
            var open = await client.RequestAsync("GET", null, cancel).ConfigureAwait(false);
            client._sid = SidOf(open);
            await client.RequestAsync("POST", "40", cancel).ConfigureAwait(false);
            while (true)
            {
                var packets = await client.RequestAsync("GET", null, cancel).ConfigureAwait(false);
                if (await client.HandleAsync(packets, cancel).ConfigureAwait(false))
                {
                    return client;
                }
            }
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
    private static void BindForMany(Socket socket, IPAddress source)
    {
        socket.SetRawSocketOption((int)SocketOptionLevel.IP, Libc.IP_BIND_ADDRESS_NO_PORT, BitConverter.GetBytes(1));
        socket.Bind(new IPEndPoint(source, 0));
    }

    /// <summary>Keeps polling (and answering pings) until the server ends the session or the socket is closed.</summary>
    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var packets = await RequestAsync("GET", null, CancellationToken.None).ConfigureAwait(false);
                await HandleAsync(packets, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _socket.Dispose();

    // The open packet: 0{"sid":"…",…}.
    private static string SidOf(string open)
    {
        const string Key = "\"sid\":\"";
        var at = open.StartsWith('0') ? open.IndexOf(Key, StringComparison.Ordinal) : -1;
        if (at < 0)
        {
            throw new IOException($"not an Engine.IO open packet: {open[..Math.Min(open.Length, 80)]}");
        }

        at += Key.Length;
        return open[at..open.IndexOf('"', at)];
    }

    // Answers pings; true when the payload held the namespace's CONNECT answer; a close (1) ends the session.
    private async Task<bool> HandleAsync(string payload, CancellationToken cancel)
    {
        var connected = false;
        foreach (var packet in payload.Split((char)Separator))
        {
            if (packet == "2")
            {
                await RequestAsync("POST", "3", cancel).ConfigureAwait(false);
            }
            else if (packet == "1")
            {
                throw new IOException("the server closed the session");
            }
            else if (packet.StartsWith("40", StringComparison.Ordinal))
            {
                connected = true;
            }
            else if (packet.StartsWith("44", StringComparison.Ordinal))
            {
                throw new IOException($"namespace refused: {packet}");
            }
        }

        return connected;
    }

    // One request on the keep-alive connection; returns the body of a 200 answer (Content-Length framing).
    private async Task<string> RequestAsync(string method, string? body, CancellationToken cancel)
    {
        var target = _sid.Length == 0 ? _path : $"{_path}&sid={_sid}";
        var request = body is null
            ? $"{method} {target} HTTP/1.1\r\nHost: {_host}\r\n\r\n"
            : $"{method} {target} HTTP/1.1\r\nHost: {_host}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None, cancel).ConfigureAwait(false);

        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await ReceiveAsync(cancel).ConfigureAwait(false);
        }

        var head = Encoding.ASCII.GetString(_buffer, 0, headerEnd);
        if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            throw new IOException($"{method} refused: {head.Split("\r\n")[0]}");
        }

        var length = ContentLength(head) ?? throw new IOException("answer without Content-Length");
        var total = headerEnd + 4 + length;
        while (_end < total)
        {
            await ReceiveAsync(cancel).ConfigureAwait(false);
        }

        var text = Encoding.UTF8.GetString(_buffer, headerEnd + 4, length);
        _buffer.AsSpan(total, _end - total).CopyTo(_buffer);
        _end -= total;
        return text;
    }

    private static int? ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) && int.TryParse(line[15..], out var length))
            {
                return length;
            }
        }

        return null;
    }

    private async Task ReceiveAsync(CancellationToken cancel)
    {
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException("the server closed the connection");
        }

        _end += read;
    }
}
