using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Outcry.EngineIO;
using Outcry.SocketIO;

namespace Outcry.Benchmarks.Internal;

/// <summary>
/// A real Engine.IO + Socket.IO server in process, with <c>n</c> clients connected over HTTP long-polling through the
/// server's public request handler (handshake GET, then a POST of the CONNECT packet <c>40</c>), and no network.
/// No GET is left pending, so a broadcast stops at each connection's outbound queue; <see cref="Drain"/> then
/// empties the queues as the connections' writers would.
/// </summary>
internal sealed class PollingCluster
{
    private readonly OutboundQueue<EnginePacket>[] _queues;

    private PollingCluster(EngineIoServer engine, SocketIoServer io, OutboundQueue<EnginePacket>[] queues)
    {
        Engine = engine;
        Io = io;
        _queues = queues;
    }

    public EngineIoServer Engine { get; }

    public SocketIoServer Io { get; }

    public Namespace Root => Io.Sockets;

    /// <summary>Connects <paramref name="connections"/> clients; <paramref name="onConnection"/> runs for each (with its index) as socket.io's connection handler.</summary>
    public static PollingCluster Start(int connections, Action<SocketIoSocket, int> onConnection)
    {
        var io = new SocketIoServer(new SocketIoOptions(), time: InertTimeProvider.Instance);
        var recorder = new OpenedSessions(io);
        var engine = new EngineIoServer(new EngineIoOptions(), recorder, time: InertTimeProvider.Instance);
        var index = 0;
        io.Sockets.OnConnection(socket => onConnection(socket, index++));

        var queues = new OutboundQueue<EnginePacket>[connections];
        for (var i = 0; i < connections; i++)
        {
            Send(engine, "GET", "?EIO=4&transport=polling", null);
            var session = recorder.Last ?? throw new InvalidOperationException("the handshake opened no session");
            Send(engine, "POST", "?EIO=4&transport=polling&sid=" + session.Id, "40"u8.ToArray());
            queues[i] = Outbound(session);
        }

        var cluster = new PollingCluster(engine, io, queues);
        cluster.Drain();
        if (io.Sockets.Sockets.Count != connections)
        {
            throw new InvalidOperationException($"{io.Sockets.Sockets.Count} of {connections} clients connected");
        }

        return cluster;
    }

    /// <summary>Takes every queued packet out of every connection's queue (as each writer loop does); returns how many.</summary>
    public int Drain()
    {
        var drained = 0;
        foreach (var queue in _queues)
        {
            while (queue.TryDequeue(out _))
            {
                drained++;
            }
        }

        return drained;
    }

    // The session's outbound queue is private: it is reached here only to drain it without an HTTP request per
    // connection (which would allocate far more than the fan-out being measured). A rename fails at setup.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_outbound")]
    private static extern ref OutboundQueue<EnginePacket> Outbound(EngineSocket session);

    private static void Send(EngineIoServer engine, string method, string query, byte[]? body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = "/socket.io/";
        context.Request.QueryString = new QueryString(query);
        if (body is not null)
        {
            context.Request.ContentType = "text/plain;charset=UTF-8";
            context.Request.ContentLength = body.Length;
            context.Request.Body = new MemoryStream(body);
        }

        engine.HandleRequestAsync(context).GetAwaiter().GetResult();
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"{method} {query} answered {context.Response.StatusCode}");
        }
    }

    /// <summary>Passes everything to Socket.IO, remembering the last session opened (its id is the next request's sid).</summary>
    private sealed class OpenedSessions(IEngineIoHandler inner) : IEngineIoHandler
    {
        public EngineSocket? Last { get; private set; }

        public void OnOpen(EngineSocket socket)
        {
            Last = socket;
            inner.OnOpen(socket);
        }

        public void OnMessage(EngineSocket socket, EngineMessage message) => inner.OnMessage(socket, message);

        public void OnClose(EngineSocket socket, string reason) => inner.OnClose(socket, reason);
    }
}
