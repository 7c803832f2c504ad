using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// Completes the WebSocket handshake over HTTP/1.1 ourselves (RFC 6455 §4.2.2) so that the socket writes
/// through a <see cref="BatchingStream"/>; other cases (HTTP/2 extended CONNECT) use the framework's accept.
/// </summary>
internal static class WebSocketAcceptor
{
    private const string Rfc6455Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static async Task<(WebSocket Socket, BatchingStream? Batching)> AcceptAsync(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || key.Length == 0)
        {
            var accepted = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = Timeout.InfiniteTimeSpan }).ConfigureAwait(false);
            return (accepted, null);
        }

        var headers = context.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = AcceptKey(key);
        var stream = new BatchingStream(await upgrade.UpgradeAsync().ConfigureAwait(false));

        // Engine.IO has its own heartbeat; no WebSocket-level pings.
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        return (socket, stream);
    }

    // SHA-1 is what RFC 6455 prescribes for Sec-WebSocket-Accept; it protects nothing here.
#pragma warning disable CA5350
    private static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Rfc6455Guid)));
#pragma warning restore CA5350
}
