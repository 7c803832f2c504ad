using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// A connection's transport as the stream what is served below the HTTP layer writes to (a WebSocket's frames, a
/// polling answer); they read the transport's input pipe themselves. A write is flushed as it is written (the pipe's
/// WriteAsync flushes), so no FlushAsync is needed after it. The connection's owner completes the pipes, not this
/// stream.
/// <para>
/// Given the connection's socket, writes skip the output pipe and go to the socket itself: a non-blocking send on the
/// calling thread, and only what the kernel would not take at once waits for an asynchronous send. That saves a pipe,
/// the transport's send loop and its buffers on every frame a flush thread writes (measured: about a third of the
/// user-space time per send). Only for a plain socket whose bytes nothing transforms (no TLS), and only when every
/// write goes this way: a write to the pipe could be overtaken. A WebSocket served on its bare socket
/// (<see cref="DirectTransport"/>) has no pipe at all: only the socket is given.
/// </para>
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe? pipe, Socket? socket = null) : Stream
{
    // Non-blocking for synchronous calls, so that a send takes what the kernel takes now and never waits. Kestrel's
    // own operations on the socket are asynchronous and unaffected.
    private readonly Socket? _socket = NonBlocking(socket);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_socket is null)
        {
            return WriteToPipeAsync(buffer, cancellationToken);
        }

        var sent = _socket.Send(buffer.Span, SocketFlags.None, out var error);
        if (error == SocketError.Success && sent == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }

        return error is SocketError.Success or SocketError.WouldBlock
            ? SendRestAsync(buffer[sent..], cancellationToken)
            : ValueTask.FromException(new IOException($"send failed: {error}", new SocketException((int)error)));
    }

    private async ValueTask WriteToPipeAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) =>
        await pipe!.Output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);

    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
    {
        try
        {
            while (rest.Length > 0)
            {
                rest = rest[await _socket!.SendAsync(rest, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
            }
        }
        catch (SocketException e)
        {
            // A stream's failure, as NetworkStream reports it: the connection was reset, or closed under the send.
            throw new IOException($"send failed: {e.SocketErrorCode}", e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _socket is null ? pipe!.Output.FlushAsync(cancellationToken).AsTask() : Task.CompletedTask;

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static Socket? NonBlocking(Socket? socket)
    {
        if (socket is not null)
        {
            socket.Blocking = false;
        }

        return socket;
    }
}
