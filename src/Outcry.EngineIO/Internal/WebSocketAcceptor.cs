using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// Completes the WebSocket handshake ourselves — HTTP/1.1 upgrade (RFC 6455 §4.2.2) or HTTP/2 extended CONNECT
/// (RFC 8441) — and opens a <see cref="WebSocketConnection"/> over the connection.
/// </summary>
internal static class WebSocketAcceptor
{
    private const string Rfc6455Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>
    /// An HTTP/1.1 upgrade to WebSocket, or an HTTP/2 extended CONNECT for one (which the framework's
    /// <c>IsWebSocketRequest</c> sees only with its WebSockets middleware, which Outcry does not need).
    /// </summary>
    public static bool IsWebSocketRequest(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest
        || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: "websocket" };

    public static async Task<WebSocketConnection> AcceptAsync(HttpContext context)
    {
        Stream opaque;
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (connect is { IsExtendedConnect: true })
        {
            opaque = await connect.AcceptAsync().ConfigureAwait(false);
        }
        else
        {
            var upgrade = context.Features.Get<IHttpUpgradeFeature>()!;
            var headers = context.Response.Headers;
            headers.Connection = "Upgrade";
            headers.Upgrade = "websocket";
            headers.SecWebSocketAccept = AcceptKey(context.Request.Headers.SecWebSocketKey.ToString());
            opaque = await upgrade.UpgradeAsync().ConfigureAwait(false);
        }

        return Open(opaque);
    }

    /// <summary>The server's WebSocket over the stream of an upgraded request. Engine.IO has its own heartbeat: no WebSocket pings.</summary>
    public static WebSocketConnection Open(Stream opaque)
    {
        // Zero-byte reads: an idle connection holds no read buffer.
        var input = PipeReader.Create(opaque, new StreamPipeReaderOptions(leaveOpen: true, useZeroByteReads: true));
        return new WebSocketConnection(input, new SharedWriteStream(opaque), ownsInput: true);
    }

    /// <summary>The server's WebSocket over a connection served below the HTTP layer, read from its transport's pipe.</summary>
    public static WebSocketConnection Open(PipeReader input, Stream output) =>
        new(input, new SharedWriteStream(output), ownsInput: false);

    /// <summary>The whole 101 answer to an HTTP/1.1 upgrade with <paramref name="key"/>, for a connection served below the HTTP layer.</summary>
    public static byte[] SwitchingProtocols(string key) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {AcceptKey(key)}\r\n\r\n");

    // SHA-1 is what RFC 6455 prescribes for Sec-WebSocket-Accept; it protects nothing here.
#pragma warning disable CA5350
    private static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Rfc6455Guid)));
#pragma warning restore CA5350
}
