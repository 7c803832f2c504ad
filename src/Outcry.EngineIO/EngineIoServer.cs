using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// The Engine.IO v4 endpoint: verifies each request as the reference server does, opens sessions and
/// hands requests to the session's transport. Map it with <c>app.Map("/socket.io", server.HandleRequestAsync)</c>.
/// </summary>
public sealed partial class EngineIoServer
{
    private readonly ConcurrentDictionary<string, EngineSocket> _sessions = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public EngineIoServer(EngineIoOptions options, IEngineIoHandler handler, ILogger<EngineIoServer>? logger = null, TimeProvider? time = null)
    {
        Options = options;
        Handler = handler;
        _logger = logger ?? NullLogger<EngineIoServer>.Instance;
        Time = time ?? TimeProvider.System;
    }

    public EngineIoOptions Options { get; }

    public EngineIoMetrics Metrics { get; } = new();

    /// <summary>Open sessions.</summary>
    public int ClientsCount => _sessions.Count;

    internal IEngineIoHandler Handler { get; }

    internal TimeProvider Time { get; }

    /// <summary>Closes every session ("forced close"), e.g. at shutdown.</summary>
    public void CloseAll()
    {
        foreach (var session in _sessions.Values)
        {
            session.Close();
        }
    }

    public async Task HandleRequestAsync(HttpContext context)
    {
        var request = context.Request;
        if (!ApplyCors(context))
        {
            await RejectAsync(context, EngineIoError.Forbidden, "origin not allowed").ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var query = request.Query;
        var transport = query["transport"].ToString();
        if (!Options.Transports.Contains(transport))
        {
            await RejectAsync(context, EngineIoError.UnknownTransport, transport).ConfigureAwait(false);
            return;
        }

        var isWebSocket = WebSocketAcceptor.IsWebSocketRequest(context);
        var sid = query["sid"].ToString();
        if (sid.Length == 0)
        {
            await HandshakeAsync(context, transport, isWebSocket).ConfigureAwait(false);
            return;
        }

        if (!_sessions.TryGetValue(sid, out var session) || !session.CheckAlive())
        {
            if (isWebSocket && transport == "websocket")
            {
                // Reference behaviour: the WebSocket is accepted, then closed.
                Interlocked.Increment(ref Metrics.HandshakeErrors);
                var rejected = await WebSocketAcceptor.AcceptAsync(context).ConfigureAwait(false);
                await EngineSocket.CloseProbeAsync(rejected).ConfigureAwait(false);
                return;
            }

            await RejectAsync(context, EngineIoError.UnknownSid, sid).ConfigureAwait(false);
            return;
        }

        if (isWebSocket && transport == "websocket")
        {
            if (!Options.AllowUpgrades)
            {
                await RejectAsync(context, EngineIoError.BadRequest, "upgrades disabled").ConfigureAwait(false);
                return;
            }

            var webSocket = await WebSocketAcceptor.AcceptAsync(context).ConfigureAwait(false);
            await UpgradeAsync(session, webSocket, context.Abort).ConfigureAwait(false);

            return;
        }

        if (session.Transport != transport)
        {
            // Reference: a request for another transport than the session's, without upgrade.
            await RejectAsync(context, EngineIoError.BadRequest, "transport mismatch").ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            await session.HandlePollAsync(new HttpPollExchange(context)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(request.Method))
        {
            await session.HandlePostAsync(new HttpPollExchange(context)).ConfigureAwait(false);
        }
        else
        {
            await RejectAsync(context, EngineIoError.BadRequest, request.Method).ConfigureAwait(false);
        }
    }

    private async Task HandshakeAsync(HttpContext context, string transport, bool isWebSocket)
    {
        // A WebSocket over HTTP/2 (RFC 8441) opens with an extended CONNECT, the HTTP/2 form of a GET with Upgrade.
        if (!HttpMethods.IsGet(context.Request.Method) && !(isWebSocket && HttpMethods.IsConnect(context.Request.Method)))
        {
            await RejectAsync(context, EngineIoError.BadHandshakeMethod, context.Request.Method).ConfigureAwait(false);
            return;
        }

        if (transport == "websocket" && !isWebSocket)
        {
            await RejectAsync(context, EngineIoError.BadRequest, "websocket handshake without upgrade").ConfigureAwait(false);
            return;
        }

        if (context.Request.Query["EIO"] != "4")
        {
            await RejectAsync(context, EngineIoError.UnsupportedProtocolVersion, context.Request.Query["EIO"].ToString()).ConfigureAwait(false);
            return;
        }

        var handshake = new EngineHandshake(context, Time.GetUtcNow());
        if (transport == "websocket")
        {
            var webSocket = await WebSocketAcceptor.AcceptAsync(context).ConfigureAwait(false);
            await RunWebSocketSessionAsync(handshake, webSocket, context.Abort).ConfigureAwait(false);
            return;
        }

        await OpenSession(handshake, webSocket: false).HandlePollAsync(new HttpPollExchange(context)).ConfigureAwait(false);
    }

    private EngineSocket OpenSession(EngineHandshake handshake, bool webSocket)
    {
        var id = NewSessionId();
        var session = new EngineSocket(this, id, handshake, webSocket);
        _sessions[id] = session;
        Interlocked.Increment(ref Metrics.Handshakes);
        LogOpened(id, webSocket ? "websocket" : "polling");
        session.Open();
        return session;
    }

    // The session disposes the WebSocket when it ends. Not awaited here: an idle connection's chain of suspended
    // methods is memory per connection.
    private Task RunWebSocketSessionAsync(EngineHandshake handshake, WebSocketConnection webSocket, Action abort) =>
        OpenSession(handshake, webSocket: true).RunWebSocketAsync(webSocket, abort);

    /// <summary>
    /// Whether a request read below the HTTP layer is one this server serves there, by a permitted origin: a new session
    /// (then <paramref name="handshake"/> is set), or a request of a live session (<paramref name="session"/>): a WebSocket
    /// upgrading it, or a polling GET or POST of a polling session. Everything else, errors included, goes to
    /// <see cref="HandleRequestAsync"/>, which answers it. <paramref name="cors"/> is what the answer carries.
    /// </summary>
    internal bool CanServeDirect(RequestHead request, IPAddress? remote, bool secure, out EngineHandshake? handshake, out EngineSocket? session, out KeyValuePair<string, string>[] cors)
    {
        handshake = null;
        session = null;
        cors = [];
        var origin = request.Headers.TryGetValue("Origin", out var values) ? values.ToString() : "";
        if (!IsOriginAllowed(origin))
        {
            return false;
        }

        var query = QueryHelpers.ParseQuery(request.QueryString);
        var transport = request.IsWebSocket ? "websocket" : "polling";
        if (query.GetValueOrDefault("transport") != transport || !Options.Transports.Contains(transport))
        {
            return false;
        }

        cors = CorsHeaders(origin);
        var sid = query.GetValueOrDefault("sid").ToString();
        if (sid.Length > 0)
        {
            if (!_sessions.TryGetValue(sid, out session) || !session.CheckAlive())
            {
                return false;
            }

            return request.IsWebSocket
                ? Options.AllowUpgrades
                : session.Transport == "polling" && request.ContentLength <= Options.MaxHttpBufferSize;
        }

        if (query.GetValueOrDefault("EIO") != "4" || request.IsPost)
        {
            return false;
        }

        handshake = new EngineHandshake(query, request.Headers, remote, request.Target, secure, Time.GetUtcNow());
        return true;
    }

    /// <summary>
    /// Serves what <see cref="CanServeDirect"/> admitted as a WebSocket over a connection, once the 101 answer is sent:
    /// read from <paramref name="input"/>, written to <paramref name="output"/>.
    /// </summary>
    internal Task ServeDirectAsync(EngineHandshake? handshake, EngineSocket? session, PipeReader input, Stream output, Action abort)
    {
        var webSocket = WebSocketAcceptor.Open(input, output);
        return session is not null ? UpgradeAsync(session, webSocket, abort) : RunWebSocketSessionAsync(handshake!, webSocket, abort);
    }

    /// <summary>Serves a polling request <see cref="CanServeDirect"/> admitted: a handshake, a GET or a POST.</summary>
    internal Task ServeDirectAsync(EngineHandshake? handshake, EngineSocket? session, DirectPollExchange exchange, bool isPost)
    {
        if (session is null)
        {
            return OpenSession(handshake!, webSocket: false).HandlePollAsync(exchange);
        }

        return isPost ? session.HandlePostAsync(exchange) : session.HandlePollAsync(exchange);
    }

    private static async Task UpgradeAsync(EngineSocket session, WebSocketConnection webSocket, Action abort)
    {
        using (webSocket)
        {
            await session.UpgradeAsync(webSocket, abort).ConfigureAwait(false);
        }
    }

    internal void Remove(EngineSocket session, string reason)
    {
        _sessions.TryRemove(new KeyValuePair<string, EngineSocket>(session.Id, session));
        LogClosed(session.Id, reason);
    }

    /// <summary>
    /// Sets the CORS answer headers by <see cref="EngineIoOptions.AllowedOrigins"/>; false when the request's origin is
    /// not allowed. Public for the host's other client endpoints (Server-Sent Events), so one list guards them all.
    /// </summary>
    public bool ApplyCors(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (!IsOriginAllowed(origin))
        {
            return false;
        }

        var headers = context.Response.Headers;
        foreach (var (name, value) in CorsHeaders(origin))
        {
            headers[name] = value;
        }

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            headers.AccessControlAllowMethods = "GET,HEAD,PUT,PATCH,POST,DELETE";
            var requested = context.Request.Headers.AccessControlRequestHeaders;
            if (requested.Count > 0)
            {
                headers.AccessControlAllowHeaders = requested;
            }
        }

        return true;
    }

    // The answer's CORS headers for a request from an allowed origin ("" when it sent none).
    private KeyValuePair<string, string>[] CorsHeaders(string origin)
    {
        var allowed = Options.AllowedOrigins;
        var wildcard = allowed.Count > 0 && allowed.Contains("*");
        if (origin.Length == 0)
        {
            return wildcard ? [new("Access-Control-Allow-Origin", "*")] : [];
        }

        return wildcard
            ? [new("Access-Control-Allow-Origin", "*")]
            : [new("Access-Control-Allow-Origin", origin), new("Access-Control-Allow-Credentials", "true"), new("Vary", "Origin")];
    }

    private bool IsOriginAllowed(string origin)
    {
        var allowed = Options.AllowedOrigins;
        return origin.Length == 0 || allowed.Count == 0 || allowed.Contains("*") || allowed.Contains(origin, StringComparer.OrdinalIgnoreCase);
    }

    private Task RejectAsync(HttpContext context, EngineIoError error, string detail)
    {
        Interlocked.Increment(ref Metrics.HandshakeErrors);
        LogRejected(error, detail, context.Connection.RemoteIpAddress?.ToString());
        return WriteErrorAsync(context, error);
    }

    private static Task WriteErrorAsync(HttpContext context, EngineIoError error) => new HttpPollExchange(context).RespondAsync(error);

    // 15 random bytes as base64url: the reference server's 20-character ids, from a cryptographic source.
    private static string NewSessionId()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    [LoggerMessage(1, LogLevel.Debug, "Engine.IO session {Sid} opened over {Transport}")]
    private partial void LogOpened(string sid, string transport);

    [LoggerMessage(2, LogLevel.Debug, "Engine.IO session {Sid} closed: {Reason}")]
    private partial void LogClosed(string sid, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Engine.IO request rejected: {Error} ({Detail}) from {Remote}")]
    private partial void LogRejected(EngineIoError error, string detail, string? remote);

    [LoggerMessage(4, LogLevel.Information, "Engine.IO session {Sid}: overlapping polling {Method}, closing")]
    internal partial void LogOverlap(string sid, string method);

    [LoggerMessage(5, LogLevel.Information, "Engine.IO session {Sid}: payload over {Max} bytes, closing")]
    internal partial void LogPayloadTooLarge(string sid, int max);

    [LoggerMessage(6, LogLevel.Information, "Engine.IO session {Sid}: protocol violation ({What}), closing")]
    internal partial void LogProtocolViolation(string sid, string what);

    [LoggerMessage(7, LogLevel.Warning, "Engine.IO session {Sid}: more than {Max} packets queued, closing the slow consumer")]
    internal partial void LogSlowConsumer(string sid, int max);

    [LoggerMessage(8, LogLevel.Debug, "Engine.IO session {Sid}: upgrade failed ({Why})")]
    internal partial void LogUpgradeFailed(string sid, string why);

    [LoggerMessage(9, LogLevel.Error, "Engine.IO session {Sid}: the handler threw")]
    internal partial void LogHandlerError(string sid, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Engine.IO session {Sid}: writing to the WebSocket failed unexpectedly, closing")]
    internal partial void LogWriteFailed(string sid, Exception exception);

    [LoggerMessage(11, LogLevel.Error, "A WebSocket served on its bare socket failed")]
    internal partial void LogBareSocketFailed(Exception exception);
}
