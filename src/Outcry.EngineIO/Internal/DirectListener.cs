using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// One TCP endpoint of <see cref="DirectTransport"/>: accepts connections, serves those that open with a WebSocket
/// upgrade <see cref="DirectEngineIo"/> takes, and hands the rest to Kestrel (<see cref="AcceptAsync"/>) as its own
/// socket connections.
/// </summary>
internal sealed partial class DirectListener : IConnectionListener
{
    // Long enough for a closing session's close handshake (EngineSocket.CloseHandshakeGrace, twice).
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);

    private readonly Socket _listen;
    private readonly DirectEngineIo _direct;
    private readonly SocketConnectionContextFactory _kestrel;
    private readonly bool _noDelay;
    private readonly ILogger _logger;
    private readonly Action<Socket> _sort;
    private readonly Channel<ConnectionContext> _handed = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _draining;

    private DirectListener(Socket listen, DirectEngineIo direct, SocketTransportOptions options, ILogger logger)
    {
        _listen = listen;
        _direct = direct;
        _noDelay = options.NoDelay;
        _logger = logger;
        _kestrel = new SocketConnectionContextFactory(FactoryOptions(options), logger);
        _sort = socket => _ = SortAsync(socket);
        EndPoint = listen.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public EndPoint EndPoint { get; }

    // As Kestrel's socket transport makes them from its options. Its internal constructor also carries the memory pool
    // factory Kestrel configured (pinned 4 KiB blocks); the public constructor's default is a simple pool, on which
    // Kestrel's chunked responses (Server-Sent Events) fail with "Parameter 'writer'". The public properties are the
    // fallback should that constructor go away; the SSE tests would then fail.
    private static SocketConnectionFactoryOptions FactoryOptions(SocketTransportOptions options)
    {
        var internalCtor = typeof(SocketConnectionFactoryOptions).GetConstructor(
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, [typeof(SocketTransportOptions)]);
        return internalCtor?.Invoke([options]) as SocketConnectionFactoryOptions ?? new SocketConnectionFactoryOptions
        {
            IOQueueCount = options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = options.MaxReadBufferSize,
            MaxWriteBufferSize = options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
        };
    }

    /// <summary>Binds and listens as Kestrel's socket transport does (its options' socket factory and backlog).</summary>
    public static DirectListener Bind(IPEndPoint endpoint, DirectEngineIo direct, SocketTransportOptions options, ILogger logger)
    {
        Socket listen;
        try
        {
            listen = options.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Kestrel tells this failure from others (binding "localhost" tolerates a missing IPv6, not a taken port).
            throw new AddressInUseException(e.Message, e);
        }

        listen.Listen(options.Backlog);
        return new DirectListener(listen, direct, options, logger);
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await _handed.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_handed.Reader.TryRead(out var connection))
            {
                return connection;
            }
        }

        return null;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listen.Dispose();

        // Kestrel now closes its connections; the bare WebSockets close alongside, and DisposeAsync waits for them.
        _draining ??= _direct.DrainAsync(DrainLimit);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        _handed.Writer.TryComplete();
        while (_handed.Reader.TryRead(out var connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _kestrel.Dispose();
        await _draining!.ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listen.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                // Unbound.
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // Reset while in the backlog.
                continue;
            }
            catch (SocketException e)
            {
                // Out of file descriptors, say: accepting again at once would only spin.
                LogAcceptFailed(_logger, e.SocketErrorCode);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            socket.NoDelay = _noDelay;

            // Off the accept loop, as Kestrel dispatches its connections: a connection whose bytes are already there is
            // served synchronously up to its first wait, and the backlog must keep draining meanwhile (a full backlog
            // drops SYNs, which clients resend only after a second).
            ThreadPool.UnsafeQueueUserWorkItem(_sort, socket, preferLocal: false);
        }

        _handed.Writer.TryComplete();
    }

    // Waits for the connection's first bytes and peeks at them: a WebSocket served directly, or Kestrel's.
    private async Task SortAsync(Socket socket)
    {
        var served = false;
        try
        {
            using (var timeout = new CancellationTokenSource(_direct.HeadersTimeout))
            {
                // A zero-byte receive: readable, with no buffer held while the client is silent.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }

            served = Peek(socket);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Silent for too long, or reset: Kestrel's HTTP layer meets the same and deals with it as it always does.
        }
        catch (Exception e)
        {
            LogSortFailed(_logger, e);
            socket.Dispose();
            return;
        }

        if (!served)
        {
            Hand(socket);
        }
    }

    private bool Peek(Socket socket)
    {
        var peeked = ArrayPool<byte>.Shared.Rent(RequestHead.MaxHeaderBytes);
        try
        {
            // The socket is readable: this returns at once. A head that has not all arrived yet goes to Kestrel, whose
            // connection middleware still serves it below the HTTP layer.
            var length = socket.Receive(peeked, SocketFlags.Peek);
            return _direct.TryServe(socket, peeked.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(peeked);
        }
    }

    private void Hand(Socket socket)
    {
        ConnectionContext connection;
        try
        {
            connection = _kestrel.Create(socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            return;
        }

        if (!_handed.Writer.TryWrite(connection))
        {
            // Unbound meanwhile.
            _ = connection.DisposeAsync().AsTask();
        }
    }

    [LoggerMessage(2, LogLevel.Error, "Sorting a new connection failed; it was closed")]
    private static partial void LogSortFailed(ILogger logger, Exception exception);

    [LoggerMessage(1, LogLevel.Warning, "Accepting a connection failed ({Error}); retrying in 100 ms")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);
}
