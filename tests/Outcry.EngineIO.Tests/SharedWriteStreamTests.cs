using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO.Tests;

public class SharedWriteStreamTests
{
    // Records every write whole, and whether two were ever in flight at once; some complete later, as a socket's
    // write does when the kernel does not take the bytes at once.
    private sealed class RecordingStream : Stream
    {
        private int _inFlight;

        public List<string> Frames { get; } = [];

        public int Overlaps;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _inFlight) != 1)
            {
                Interlocked.Increment(ref Overlaps);
            }

            var text = System.Text.Encoding.ASCII.GetString(buffer.Span);
            if (Random.Shared.Next(4) == 0)
            {
                await Task.Yield();
            }

            lock (Frames)
            {
                Frames.Add(text);
            }

            Interlocked.Decrement(ref _inFlight);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static byte[] Frame(int writer, int n) => System.Text.Encoding.ASCII.GetBytes($"w{writer}:{n:D5}");

    [Fact]
    public async Task WritersTakingTurns_NeverWriteAtOnce_AndEveryFrameArrivesInItsWritersOrder()
    {
        var inner = new RecordingStream();
        using var stream = new SharedWriteStream(inner);
        const int PerWriter = 2000;

        // Writers 0-3 as the flush thread writes (take the turn if free, else wait for it); 4-5 as control frames.
        async Task FlushStyle(int writer)
        {
            for (var n = 0; n < PerWriter; n++)
            {
                if (stream.TryTakeTurn())
                {
                    try
                    {
                        await stream.WriteInTurnAsync(Frame(writer, n));
                    }
                    finally
                    {
                        stream.EndTurn();
                    }
                }
                else
                {
                    await stream.WriteAsync(Frame(writer, n));
                }
            }
        }

        async Task ControlStyle(int writer)
        {
            for (var n = 0; n < PerWriter; n++)
            {
                await stream.WriteAsync(Frame(writer, n));
            }
        }

        await Task.WhenAll(
            [.. Enumerable.Range(0, 4).Select(w => Task.Run(() => FlushStyle(w))), .. Enumerable.Range(4, 2).Select(w => Task.Run(() => ControlStyle(w)))])
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, inner.Overlaps);
        Assert.Equal(6 * PerWriter, inner.Frames.Count);
        for (var writer = 0; writer < 6; writer++)
        {
            var prefix = $"w{writer}:";
            var mine = inner.Frames.Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, PerWriter).Select(n => $"{prefix}{n:D5}"), mine);
        }
    }

    [Fact]
    public async Task AWriterCancelledWhileWaiting_DoesNotKeepTheTurn_FromThoseBehindItOrAfter()
    {
        var inner = new RecordingStream();
        using var stream = new SharedWriteStream(inner);
        Assert.True(stream.TryTakeTurn());

        using var cancel = new CancellationTokenSource();
        var cancelled = stream.WriteAsync(Frame(1, 0), cancel.Token).AsTask();
        var behind = stream.WriteAsync(Frame(2, 0)).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(behind.IsCompleted);

        stream.EndTurn();
        await behind.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["w2:00000"], inner.Frames);

        // And once everyone has written, the turn is free again.
        Assert.True(stream.TryTakeTurn());
        stream.EndTurn();

        // The cancelled writer the last in line: the turn it was handed goes back to being free.
        Assert.True(stream.TryTakeTurn());
        using var cancelLast = new CancellationTokenSource();
        var last = stream.WriteAsync(Frame(3, 0), cancelLast.Token).AsTask();
        await cancelLast.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => last.WaitAsync(TimeSpan.FromSeconds(10)));
        stream.EndTurn();
        Assert.True(stream.TryTakeTurn());
        stream.EndTurn();
    }
}
