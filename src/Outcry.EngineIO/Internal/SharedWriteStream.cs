namespace Outcry.EngineIO.Internal;

/// <summary>
/// A WebSocket's connection for writing, shared by two writers frame by frame: the session's
/// <see cref="WebSocketWriter"/> writes pre-encoded data frames straight to it, and the <see cref="WebSocketConnection"/>
/// (which reads) writes its control frames (close, pong) through it. Each writer hands over whole frames, so taking
/// turns per write is enough.
/// </summary>
internal sealed class SharedWriteStream(Stream inner) : Stream
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Takes the turn if it is free, without waiting.</summary>
    public bool TryTakeTurn() => _turn.Wait(0);

    public void EndTurn() => _turn.Release();

    /// <summary>Writes while holding the turn; the bytes must stay unchanged until the write completes.</summary>
    public ValueTask WriteInTurnAsync(ReadOnlyMemory<byte> bytes) => inner.WriteAsync(bytes);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _turn.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
