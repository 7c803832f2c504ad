using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outcry.EngineIO;
using Outcry.SocketIO.Internal;

namespace Outcry.SocketIO;

/// <summary>
/// The Socket.IO v5 server: an <see cref="IEngineIoHandler"/> that turns Engine.IO messages into namespaces,
/// sockets, events and acks. <c>Of("/")</c> is the main namespace.
/// </summary>
public sealed partial class SocketIoServer : IEngineIoHandler
{
    private readonly ConcurrentDictionary<string, Namespace> _namespaces = new(StringComparer.Ordinal);
    private readonly List<(Func<string, bool> Match, Namespace Template)> _dynamic = [];
    private readonly ILogger _logger;

    public SocketIoServer(SocketIoOptions options, ILogger<SocketIoServer>? logger = null, TimeProvider? time = null)
    {
        Options = options;
        _logger = logger ?? NullLogger<SocketIoServer>.Instance;
        Time = time ?? TimeProvider.System;
        Of("/");
    }

    public SocketIoOptions Options { get; }

    /// <summary>Connection state recovery; null (the default) disables it: no pid is given, no session kept.</summary>
    public IConnectionStateRecovery? Recovery { get; set; }

    public TimeProvider Time { get; }

    /// <summary>The namespaces that exist now.</summary>
    public ICollection<Namespace> Namespaces => _namespaces.Values;

    /// <summary>The main namespace, "/".</summary>
    public Namespace Sockets => Of("/");

    /// <summary>The namespace called <paramref name="name"/>, created if needed.</summary>
    public Namespace Of(string name)
    {
        if (!name.StartsWith('/'))
        {
            name = "/" + name;
        }

        return _namespaces.GetOrAdd(name, static (n, server) => new Namespace(server, n), this);
    }

    /// <summary>
    /// A dynamic namespace: any name <paramref name="match"/> accepts is created on first connection, with the
    /// middlewares and connection handlers registered on the returned template.
    /// </summary>
    public Namespace OfDynamic(Func<string, bool> match)
    {
        var template = new Namespace(this, "<dynamic>");
        lock (_dynamic)
        {
            _dynamic.Add((match, template));
        }

        return template;
    }

    /// <summary>The namespace called <paramref name="name"/> if it exists (never creates one).</summary>
    public bool TryGetNamespace(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Namespace? nsp) => _namespaces.TryGetValue(name, out nsp);

    internal Namespace? Lookup(string name)
    {
        if (_namespaces.TryGetValue(name, out var nsp))
        {
            return nsp;
        }

        lock (_dynamic)
        {
            foreach (var (match, template) in _dynamic)
            {
                if (match(name))
                {
                    return _namespaces.GetOrAdd(name, static (n, t) => t.CreateChild(n), template);
                }
            }
        }

        return null;
    }

    void IEngineIoHandler.OnOpen(EngineSocket socket) => socket.State = new SocketIoClient(this, socket);

    void IEngineIoHandler.OnMessage(EngineSocket socket, EngineMessage message) => ((SocketIoClient)socket.State!).OnMessage(message);

    void IEngineIoHandler.OnClose(EngineSocket socket, string reason) => ((SocketIoClient?)socket.State)?.OnClose(reason);

    [LoggerMessage(101, LogLevel.Information, "Socket.IO connection {Sid}: invalid packet ({What}), closing")]
    internal partial void LogProtocolViolation(string sid, string what);

    [LoggerMessage(102, LogLevel.Debug, "Socket.IO connection {Sid}: no namespace joined within connectTimeout, closing")]
    internal partial void LogConnectTimeout(string sid);

    [LoggerMessage(103, LogLevel.Error, "Socket.IO socket {Id}: {Handler} handler threw")]
    internal partial void LogHandlerError(string id, string handler, Exception exception);
}
