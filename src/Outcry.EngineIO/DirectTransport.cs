using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// Kestrel's transport for TCP endpoints, with Engine.IO's WebSockets taken out before it. Each accepted connection's
/// first bytes are peeked at: a whole, clean WebSocket upgrade that <see cref="DirectEngineIo"/> serves runs on the bare
/// socket (<see cref="DirectEngineIo.TryServe"/>), without Kestrel's socket connection, its two pipes, its receive and
/// send loops and its per-connection bookkeeping: about 3 KB less per idle WebSocket (docs/BENCHMARKS.md). Every other
/// connection, untouched and unread, becomes Kestrel's own socket connection, configured by
/// <see cref="SocketTransportOptions"/>, and meets Kestrel's connection middleware and HTTP layer as before: TLS, HTTP/2,
/// a request head that arrives in pieces, any other request. Other endpoints (Unix sockets, named pipes) are left to
/// the transports registered before this one.
/// <para>
/// The WebSockets served here are not Kestrel's connections: Kestrel's connection limits and connection metrics do not
/// count them, and a server stopping ends them by closing their sessions (<see cref="EngineIoServer.CloseAll"/>).
/// </para>
/// </summary>
public sealed class DirectTransport(DirectEngineIo direct, IOptions<SocketTransportOptions> options, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = DirectListener.Bind((IPEndPoint)endpoint, direct, options.Value, loggers.CreateLogger<DirectTransport>());
        return ValueTask.FromResult<IConnectionListener>(listener);
    }
}
