using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Outcry.EngineIO;
using Outcry.SocketIO;

namespace Outcry.Benchmarks.Internal;

/// <summary>
/// A real Engine.IO + Socket.IO server in process with <c>n</c> WebSocket clients, each connected through the server's
/// public request handler as Kestrel would hand it an HTTP/1.1 upgrade: the server builds its own WebSocket over the
/// upgraded stream, runs its reader and its writer (on the flush threads), and reads a real masked
/// <c>40</c> frame. The "network" is a pipe in and a byte counter out, so a broadcast runs all the way to the bytes
/// each connection's writer hands the socket.
/// </summary>
internal sealed class WebSocketCluster
{
    // A client frame: FIN + text, masked, 2 bytes, mask key 0 (the payload reads as sent).
    private static readonly byte[] ConnectFrame = [0x81, 0x82, 0, 0, 0, 0, (byte)'4', (byte)'0'];

    private readonly List<(Pipe Inbound, Task Session)> _connections = [];

    private WebSocketCluster(EngineIoServer engine, SocketIoServer io)
    {
        Engine = engine;
        Io = io;
    }

    public EngineIoServer Engine { get; }

    public SocketIoServer Io { get; }

    public Namespace Root => Io.Sockets;

    /// <summary>Counts what every connection's writer sent.</summary>
    public WriteMeter Written { get; } = new();

    public static WebSocketCluster Start(int connections, Action<SocketIoSocket, int> onConnection)
    {
        var io = new SocketIoServer(new SocketIoOptions(), time: InertTimeProvider.Instance);
        var engine = new EngineIoServer(new EngineIoOptions(), io, time: InertTimeProvider.Instance);
        var index = -1;
        io.Sockets.OnConnection(socket => onConnection(socket, Interlocked.Increment(ref index)));

        var cluster = new WebSocketCluster(engine, io);
        for (var i = 0; i < connections; i++)
        {
            cluster.Connect();
        }

        // Every CONNECT answered, and every writer idle again (the open and connect packets sent).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (io.Sockets.Sockets.Count < connections || !cluster.Written.IsQuiet(TimeSpan.FromMilliseconds(200)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{io.Sockets.Sockets.Count} of {connections} WebSocket clients connected");
            }

            Thread.Sleep(50);
        }

        return cluster;
    }

    public void Stop()
    {
        Engine.CloseAll();
        foreach (var (inbound, _) in _connections)
        {
            inbound.Writer.Complete();
        }

        Task.WaitAll([.. _connections.Select(c => c.Session)], TimeSpan.FromSeconds(10));
    }

    private void Connect()
    {
        var inbound = new Pipe();
        var connection = new FakeConnection(inbound.Reader.AsStream(), Written);
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpUpgradeFeature>(connection);
        context.Features.Set<IHttpWebSocketFeature>(connection);
        context.Request.Method = "GET";
        context.Request.Path = "/socket.io/";
        context.Request.QueryString = new QueryString("?EIO=4&transport=websocket");
        context.Request.Headers.SecWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";
        context.Request.Headers.SecWebSocketVersion = "13";

        // Runs for the connection's lifetime, as Kestrel's request would.
        var session = Engine.HandleRequestAsync(context);
        inbound.Writer.Write(ConnectFrame);
        inbound.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        _connections.Add((inbound, session));
    }

    /// <summary>The upgraded connection: reads what the client wrote into the pipe, counts and discards what the server writes.</summary>
    private sealed class FakeConnection(Stream inbound, WriteMeter written) : Stream, IHttpUpgradeFeature, IHttpWebSocketFeature
    {
        public bool IsUpgradableRequest => true;

        public bool IsWebSocketRequest => true;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public Task<Stream> UpgradeAsync() => Task.FromResult<Stream>(this);

        public Task<WebSocket> AcceptAsync(WebSocketAcceptContext context) => throw new NotSupportedException("the server upgrades HTTP/1.1 itself");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inbound.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inbound.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inbound.Read(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            written.Add(buffer.Length);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            written.Add(count);
            return Task.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => written.Add(count);

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inbound.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Bytes written by every connection, and a wait for an expected amount (one broadcast's frames) to be reached.</summary>
internal sealed class WriteMeter : IDisposable
{
    private readonly ManualResetEventSlim _reached = new(false);
    private long _total;
    private long _target = long.MaxValue;

    public long Total => Interlocked.Read(ref _total);

    public void Add(int bytes)
    {
        if (Interlocked.Add(ref _total, bytes) >= Volatile.Read(ref _target))
        {
            _reached.Set();
        }
    }

    /// <summary>Arms the wait for <paramref name="bytes"/> more bytes; call before the writes can start.</summary>
    public void Expect(long bytes)
    {
        _reached.Reset();
        Volatile.Write(ref _target, Total + bytes);
    }

    public void Wait()
    {
        if (!_reached.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"the writers sent {Total} bytes, short of {Volatile.Read(ref _target)}");
        }
    }

    public bool IsQuiet(TimeSpan period)
    {
        var before = Total;
        Thread.Sleep(period);
        return Total == before;
    }

    public void Dispose() => _reached.Dispose();
}
