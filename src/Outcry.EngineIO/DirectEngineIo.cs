using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// A Kestrel connection middleware that serves Engine.IO below the HTTP layer, without the request objects ASP.NET Core
/// keeps for each request: less memory per connection and a cheaper request.
/// <list type="bullet">
/// <item>A clean HTTP/1.1 WebSocket upgrade of a registered endpoint (<c>GET /socket.io/?…</c>) is answered here, and
/// the connection runs as a bare WebSocket (<see cref="WebSockets"/>).</item>
/// <item>Clean long-polling GETs and POSTs are answered here, one after another on a keep-alive connection, and a held
/// GET costs no HTTP context (<see cref="Polling"/>).</item>
/// </list>
/// The first request that is anything else, or not clean, reaches Kestrel's HTTP layer unread, with the rest of the
/// connection, so the HTTP endpoint (<see cref="EngineIoServer.HandleRequestAsync"/>) answers it as before, errors
/// included. Install with <c>listenOptions.Use(next =&gt; c =&gt; direct.OnConnectionAsync(c, next))</c> and
/// <see cref="Add"/> each endpoint also mapped over HTTP.
/// </summary>
public sealed class DirectEngineIo
{
    private readonly Lock _addLock = new();
    private volatile Endpoint[] _endpoints = [];

    // WebSockets served on bare sockets (TryServe), which Kestrel does not wait for when it stops.
    private int _bareSockets;
    private TaskCompletionSource? _drained;

    /// <summary>Whether WebSocket upgrades are served here. On by default.</summary>
    public bool WebSockets { get; set; } = true;

    /// <summary>Whether long-polling requests are served here. On by default.</summary>
    public bool Polling { get; set; } = true;

    /// <summary>
    /// Whether what is written here goes straight to the connection's socket rather than through the transport's output
    /// pipe (when the transport exposes its socket and no TLS is in between). On by default; turn it off when another
    /// connection middleware before this one transforms the bytes it sends.
    /// </summary>
    public bool WriteToSocket { get; set; } = true;

    /// <summary>
    /// Whether <see cref="DirectTransport"/> can serve WebSockets here on their bare sockets: they need
    /// <see cref="WebSockets"/>, and <see cref="WriteToSocket"/> since a bare socket has no pipe to write through.
    /// </summary>
    public bool ServesBareSockets => WebSockets && WriteToSocket;

    /// <summary>
    /// How long a request's head (and a polling POST's body) may take to arrive; then Kestrel takes the connection
    /// over (a body too slow ends it).
    /// </summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Serves the requests of <paramref name="path"/> (for example "/socket.io") with <paramref name="server"/>.</summary>
    public void Add(string path, EngineIoServer server)
    {
        lock (_addLock)
        {
            _endpoints = [.. _endpoints, new Endpoint(RequestHead.Prefix(path.TrimEnd('/') + "/"), server)];
        }
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var endpoints = _endpoints;
        if (endpoints.Length == 0 || !(WebSockets || Polling))
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        // Every write, the first answer's included, goes one way: straight to a plain socket, or else through the
        // transport's pipe; so nothing written later can overtake what was written before.
        var socket = WriteToSocket && connection.Features.Get<ITlsHandshakeFeature>() is null
            ? connection.Features.Get<IConnectionSocketFeature>()?.Socket
            : null;
        DuplexPipeStream? stream = null;
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        while (true)
        {
            var (what, admitted) = await ReadRequestAsync(connection, endpoints, first: stream is null, closing).ConfigureAwait(false);
            if (what == Next.Close)
            {
                return;
            }

            if (what == Next.Kestrel)
            {
                await next(connection).ConfigureAwait(false);
                return;
            }

            stream ??= new DuplexPipeStream(connection.Transport, socket);
            var (server, head, handshake, session, cors) = admitted!.Value;
            if (head.IsWebSocket)
            {
                try
                {
                    await stream.WriteAsync(WebSocketAcceptor.SwitchingProtocols(head.WebSocketKey)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // The client is gone already: nothing to serve.
                    return;
                }

                await server.ServeDirectAsync(handshake, session, connection.Transport.Input, stream, connection.Abort).ConfigureAwait(false);
                return;
            }

            var exchange = new DirectPollExchange(head.ContentType, head.ContentLength, cors, connection.Transport.Input, stream, HeadersTimeout, connection.ConnectionClosed);
            try
            {
                await server.ServeDirectAsync(handshake, session, exchange, head.IsPost).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away mid-answer; the session has seen it (a poll that ends unanswered closes it).
                return;
            }

            if (!exchange.Responded || connection.ConnectionClosed.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Serves a plain TCP connection, accepted by <see cref="DirectTransport"/>, whose first bytes (<paramref name="peeked"/>,
    /// still unread on the socket) are a whole WebSocket upgrade served here: the WebSocket runs on the bare socket, with
    /// no transport of Kestrel's. False, with nothing read, for anything else; Kestrel then takes the connection.
    /// </summary>
    internal bool TryServe(Socket socket, ReadOnlySpan<byte> peeked)
    {
        var endpoints = _endpoints;
        if (!ServesBareSockets || endpoints.Length == 0)
        {
            return false;
        }

        var remote = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        if (Classify(peeked, endpoints, remote, secure: false) is not (_, { Head.IsWebSocket: true } admitted))
        {
            return false;
        }

        // Only what the connection needs for its life is kept: not the request's head. The stream makes the socket
        // non-blocking, as the reader needs it.
        var output = new DuplexPipeStream(null, socket);
        var open = OpenAsync(socket, output, admitted.Head.Length, WebSocketAcceptor.SwitchingProtocols(admitted.Head.WebSocketKey));
        Interlocked.Increment(ref _bareSockets);
        _ = ServeAsync(open, socket, output, admitted.Server, admitted.Handshake, admitted.Session);
        return true;
    }

    /// <summary>
    /// The server is stopping: closes the sessions of the WebSockets served on bare sockets (as Kestrel asks its own
    /// connections to close; a host may have closed them already, <see cref="EngineIoServer.CloseAll"/>), and waits, at
    /// most <paramref name="limit"/>, until those connections have ended, so that their close frames leave before the
    /// process does.
    /// </summary>
    internal async Task DrainAsync(TimeSpan limit)
    {
        Interlocked.CompareExchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        if (Volatile.Read(ref _bareSockets) == 0)
        {
            return;
        }

        foreach (var endpoint in _endpoints)
        {
            endpoint.Server.CloseAll();
        }

        try
        {
            await _drained!.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Left to the process's exit.
        }
    }

    private async Task ServeAsync(Task<SocketReader?> open, Socket socket, DuplexPipeStream output, EngineIoServer server, EngineHandshake? handshake, EngineSocket? session)
    {
        SocketReader? input = null;
        try
        {
            input = await open.ConfigureAwait(false);
            if (input is not null)
            {
                await server.ServeDirectAsync(handshake, session, input, output, socket.Dispose).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client went away; the session has seen it.
        }
        catch (Exception e)
        {
            // Nothing above awaits this connection (Kestrel would log what its connections throw): say it here.
            server.LogBareSocketFailed(e);
        }
        finally
        {
            input?.Complete();
            Close(socket);
            if (Interlocked.Decrement(ref _bareSockets) == 0)
            {
                Volatile.Read(ref _drained)?.TrySetResult();
            }
        }
    }

    // Takes the head, which was only peeked at, and answers 101; null when the client went away meanwhile. What follows
    // the head is the WebSocket's, left in the reader.
    private static async Task<SocketReader?> OpenAsync(Socket socket, DuplexPipeStream output, int headLength, byte[] answer)
    {
        var input = new SocketReader(socket);
        try
        {
            var read = await input.ReadAsync().ConfigureAwait(false);
            while (read.Buffer.Length < headLength && !read.IsCompleted)
            {
                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                read = await input.ReadAsync().ConfigureAwait(false);
            }

            if (read.Buffer.Length >= headLength)
            {
                input.AdvanceTo(read.Buffer.GetPosition(headLength));
                await output.WriteAsync(answer).ConfigureAwait(false);
                return input;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }

        input.Complete();
        return null;
    }

    // As Kestrel ends a connection: what was sent still leaves, then the socket goes.
    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private enum Next { Serve, Kestrel, Close }

    // Reads the next request's head without consuming it; consumes it only when it is a request served here.
    private async Task<(Next, Admitted?)> ReadRequestAsync(ConnectionContext connection, Endpoint[] endpoints, bool first, CancellationToken closing)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, closing);
        timeout.CancelAfter(HeadersTimeout);
        byte[]? scratch = null;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                    // Between requests, a server shutting down closes the connection, as Kestrel's HTTP layer would.
                    // Too slow, or reset: Kestrel's HTTP layer meets the same and deals with it as it always does.
                    return (closing.IsCancellationRequested && !first ? Next.Close : Next.Kestrel, null);
                }

                var buffer = result.Buffer;
                if (buffer.IsEmpty && result.IsCompleted && !first)
                {
                    // The client closed its keep-alive connection between requests.
                    return (Next.Close, null);
                }

                var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
                var secure = connection.Features.Get<ITlsHandshakeFeature>() is not null;
                var (verdict, admitted) = Classify(RequestHead.Contiguous(buffer, ref scratch), endpoints, remote, secure);
                if (verdict == RequestHead.Verdict.NeedMore && !result.IsCompleted && !result.IsCanceled)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                // Not ours: nothing consumed or examined, so Kestrel's first read sees all of it at once.
                input.AdvanceTo(admitted is null ? buffer.Start : buffer.GetPosition(admitted.Value.Head.Length));
                return (admitted is null ? Next.Kestrel : Next.Serve, admitted);
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    private (RequestHead.Verdict, Admitted?) Classify(ReadOnlySpan<byte> data, Endpoint[] endpoints, IPAddress? remote, bool secure)
    {
        var verdict = RequestHead.Verdict.NotOurs;
        foreach (var endpoint in endpoints)
        {
            switch (RequestHead.TryRead(data, endpoint.Prefix, out var request))
            {
                case RequestHead.Verdict.Ours:
                    if (!(request!.IsWebSocket ? WebSockets : Polling))
                    {
                        break;
                    }

                    if (endpoint.Server.CanServeDirect(request, remote, secure, out var handshake, out var session, out var cors))
                    {
                        return (RequestHead.Verdict.Ours, new Admitted(endpoint.Server, request, handshake, session, cors));
                    }

                    break;
                case RequestHead.Verdict.NeedMore:
                    verdict = RequestHead.Verdict.NeedMore;
                    break;
            }
        }

        return (verdict, null);
    }

    // Prefix: what a request target served here begins with (RequestHead.Prefix), encoded once.
    private sealed record Endpoint(byte[] Prefix, EngineIoServer Server);

    private readonly record struct Admitted(EngineIoServer Server, RequestHead Head, EngineHandshake? Handshake, EngineSocket? Session, KeyValuePair<string, string>[] Cors);
}
