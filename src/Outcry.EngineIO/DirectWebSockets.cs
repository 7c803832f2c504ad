using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// A Kestrel connection middleware that serves Engine.IO WebSocket connections below the HTTP layer. A connection whose
/// first request is a clean HTTP/1.1 WebSocket upgrade of a registered endpoint (<c>GET /socket.io/?…</c>) is answered
/// here and runs as a bare WebSocket, without the request objects ASP.NET Core keeps open for an upgraded request: less
/// memory per connection and a shorter handshake. Every other connection, and every request that is not clean, reaches
/// Kestrel's HTTP layer unread, so the HTTP endpoint (<see cref="EngineIoServer.HandleRequestAsync"/>) answers it as
/// before. Install with <c>listenOptions.Use(next =&gt; c =&gt; direct.OnConnectionAsync(c, next))</c> and
/// <see cref="Add"/> each endpoint also mapped over HTTP.
/// </summary>
public sealed class DirectWebSockets
{
    private readonly Lock _addLock = new();
    private volatile Endpoint[] _endpoints = [];

    /// <summary>
    /// Whether a connection's WebSocket writes go straight to its socket rather than through the transport's output
    /// pipe (when the transport exposes its socket and no TLS is in between). On by default; turn it off when another
    /// connection middleware before this one transforms the bytes it sends.
    /// </summary>
    public bool WriteToSocket { get; set; } = true;

    /// <summary>How long the first request's header block may take to arrive; then Kestrel takes the connection over.</summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Serves WebSocket upgrades of <paramref name="path"/> (for example "/socket.io") with <paramref name="server"/>.</summary>
    public void Add(string path, EngineIoServer server)
    {
        lock (_addLock)
        {
            _endpoints = [.. _endpoints, new Endpoint(UpgradeRequest.Prefix(path.TrimEnd('/') + "/"), server)];
        }
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var endpoints = _endpoints;
        var admitted = endpoints.Length == 0 ? null : await ReadUpgradeAsync(connection, endpoints).ConfigureAwait(false);
        if (admitted is not { } a)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        // Every write, the 101 first, goes one way: straight to a plain socket, or else through the transport's pipe.
        var socket = WriteToSocket && connection.Features.Get<ITlsHandshakeFeature>() is null
            ? connection.Features.Get<IConnectionSocketFeature>()?.Socket
            : null;
        var stream = new DuplexPipeStream(connection.Transport, socket);
        try
        {
            await stream.WriteAsync(WebSocketAcceptor.SwitchingProtocols(a.Key)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client is gone already: nothing to serve.
            return;
        }

        await a.Server.ServeDirectAsync(a.Handshake, a.Session, stream, connection.Abort).ConfigureAwait(false);
    }

    // Reads the first request's header block without consuming it; consumes it only when it is an upgrade served here.
    private async Task<Admitted?> ReadUpgradeAsync(ConnectionContext connection, Endpoint[] endpoints)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
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
                    // Too slow, or reset: Kestrel's HTTP layer meets the same and deals with it as it always does.
                    return null;
                }

                var buffer = result.Buffer;
                var (verdict, admitted) = Classify(UpgradeRequest.Contiguous(buffer, ref scratch), endpoints, connection);
                if (verdict == UpgradeRequest.Verdict.NeedMore && !result.IsCompleted && !result.IsCanceled)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                // Not ours: nothing consumed or examined, so Kestrel's first read sees all of it at once.
                input.AdvanceTo(admitted is null ? buffer.Start : buffer.GetPosition(admitted.Value.Length));
                return admitted;
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

    private static (UpgradeRequest.Verdict, Admitted?) Classify(ReadOnlySpan<byte> data, Endpoint[] endpoints, ConnectionContext connection)
    {
        var verdict = UpgradeRequest.Verdict.NotOurs;
        foreach (var endpoint in endpoints)
        {
            switch (UpgradeRequest.TryRead(data, endpoint.Prefix, out var request))
            {
                case UpgradeRequest.Verdict.Ours:
                    var remote = (connection.RemoteEndPoint as IPEndPoint)?.Address;
                    var secure = connection.Features.Get<ITlsHandshakeFeature>() is not null;
                    if (endpoint.Server.CanServeDirect(request!, remote, secure, out var handshake, out var session))
                    {
                        return (UpgradeRequest.Verdict.Ours, new Admitted(endpoint.Server, request!.WebSocketKey, request.Length, handshake, session));
                    }

                    break;
                case UpgradeRequest.Verdict.NeedMore:
                    verdict = UpgradeRequest.Verdict.NeedMore;
                    break;
            }
        }

        return (verdict, null);
    }

    // Prefix: what a request served here begins with (UpgradeRequest.Prefix), encoded once.
    private sealed record Endpoint(byte[] Prefix, EngineIoServer Server);

    // Length: the request's bytes, consumed once admitted.
    private readonly record struct Admitted(EngineIoServer Server, string Key, int Length, EngineHandshake? Handshake, EngineSocket? Session);
}
