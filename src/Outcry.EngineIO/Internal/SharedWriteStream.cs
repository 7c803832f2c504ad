namespace Outcry.EngineIO.Internal;

/// <summary>
/// A WebSocket's connection for writing, shared by two writers frame by frame: the session's
/// <see cref="WebSocketWriter"/> writes pre-encoded data frames straight to it, and the <see cref="WebSocketConnection"/>
/// (which reads) writes its control frames (close, pong) through it. Each writer hands over whole frames, so taking
/// turns per write is enough.
/// </summary>
/// <remarks>
/// The turn is one integer, not a <see cref="SemaphoreSlim"/>: the flush thread takes and gives it back once per write,
/// for every delivery, and a semaphore's monitor cost about 7 % of the server's CPU in the rooms benchmark. Only a
/// writer that finds the turn taken (a control frame, or data behind a write the kernel did not take at once) queues,
/// under a lock, and is handed the turn by the writer before it.
/// </remarks>
internal sealed class SharedWriteStream(Stream inner) : Stream
{
    private const int Free = 0, Taken = 1, TakenWithWaiters = 2;

    private readonly Queue<TaskCompletionSource> _waiting = new(); // guards itself
    private int _turn = Free;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Takes the turn if it is free, without waiting.</summary>
    public bool TryTakeTurn() => Interlocked.CompareExchange(ref _turn, Taken, Free) == Free;

    /// <summary>Gives the turn back, or straight to the writer that waited longest.</summary>
    public void EndTurn()
    {
        if (Interlocked.CompareExchange(ref _turn, Free, Taken) == Taken)
        {
            return;
        }

        while (true)
        {
            TaskCompletionSource next;
            lock (_waiting)
            {
                // A waiter marks the turn and enqueues itself in one hold of this lock, so one is there.
                next = _waiting.Dequeue();
                if (_waiting.Count == 0)
                {
                    Volatile.Write(ref _turn, Taken);
                }
            }

            if (next.TrySetResult())
            {
                return;
            }

            // That writer was cancelled while it waited: the turn is still this one's to give.
            if (Interlocked.CompareExchange(ref _turn, Free, Taken) == Taken)
            {
                return;
            }
        }
    }

    private Task TakeTurnAsync(CancellationToken cancellationToken)
    {
        if (TryTakeTurn())
        {
            return Task.CompletedTask;
        }

        lock (_waiting)
        {
            while (true)
            {
                var turn = Volatile.Read(ref _turn);
                if (turn == Free && TryTakeTurn())
                {
                    return Task.CompletedTask;
                }

                if (turn == TakenWithWaiters || (turn == Taken && Interlocked.CompareExchange(ref _turn, TakenWithWaiters, Taken) == Taken))
                {
                    // Continuations run off the thread that ends the turn: that is the flush thread.
                    var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiting.Enqueue(waiter);
                    return cancellationToken.CanBeCanceled ? WaitForTurnAsync(waiter, cancellationToken) : waiter.Task;
                }
            }
        }
    }

    /// <summary>Writes while holding the turn; the bytes must stay unchanged until the write completes.</summary>
    public ValueTask WriteInTurnAsync(ReadOnlyMemory<byte> bytes) => inner.WriteAsync(bytes);

    private static async Task WaitForTurnAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        using (cancellationToken.UnsafeRegister(static w => ((TaskCompletionSource)w!).TrySetCanceled(), waiter))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await TakeTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndTurn();
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
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
