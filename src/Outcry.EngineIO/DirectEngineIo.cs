using System.Buffers;
using System.IO.Pipelines;
using System.Net;
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

                var (verdict, admitted) = Classify(RequestHead.Contiguous(buffer, ref scratch), endpoints, connection);
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

    private (RequestHead.Verdict, Admitted?) Classify(ReadOnlySpan<byte> data, Endpoint[] endpoints, ConnectionContext connection)
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

                    var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
                    var secure = connection.Features.Get<ITlsHandshakeFeature>() is not null;
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
