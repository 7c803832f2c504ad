namespace Outcry.EngineIO.Internal;

/// <summary>
/// Sits between a WebSocket and its connection. While the session's writer loop drains a burst of queued
/// packets, frames collect here and go out in one write when the queue empties (or the buffer fills);
/// outside a burst (close frames, pongs to client pings) every write goes straight through.
/// </summary>
internal sealed class BatchingStream(Stream inner) : Stream
{
    private const int FlushThreshold = 32 * 1024;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly MemoryStream _buffer = new();
    private volatile bool _batching;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Starts a burst: writes are held until <see cref="EndBatchAsync"/>.</summary>
    public void BeginBatch() => _batching = true;

    /// <summary>Ends the burst and sends what it collected in one write.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _batching = false;
            await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_batching && _buffer.Length == 0)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }

            _buffer.Write(buffer.Span);
            if (!_batching || _buffer.Length >= FlushThreshold)
            {
                await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lock.Dispose();
            _buffer.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task FlushBufferAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Length == 0)
        {
            return;
        }

        await inner.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancellationToken).ConfigureAwait(false);
        _buffer.SetLength(0);
    }
}
