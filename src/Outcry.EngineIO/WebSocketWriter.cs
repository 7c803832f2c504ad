using System.Buffers;
using System.Net.WebSockets;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>
/// Writes one session's queued packets to its WebSocket, on a <see cref="FlushThreads"/> lane. Each packet is a
/// frame built once and shared by every connection that sends it; whatever the queue holds when the lane comes
/// round leaves in one write. A write that cannot complete at once (the client reads slowly) goes on asynchronously,
/// off the lane, and the connection is not taken again until it ends.
/// </summary>
internal sealed class WebSocketWriter
{
    private const int Idle = 0;
    private const int Scheduled = 1;
    private const int Writing = 2;
    private const int Done = 3;

    // Frames gathered for one write; a bigger frame is written on its own, uncopied.
    private const int GatherLimit = 16 * 1024;

    private readonly EngineSocket _session;
    private readonly WebSocketConnection _webSocket;
    private readonly SharedWriteStream _stream;
    private readonly Action _abort;
    private readonly FlushThreads.Lane _lane = FlushThreads.Shared.Assign();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    public WebSocketWriter(EngineSocket session, WebSocketConnection webSocket, Action abort)
    {
        _session = session;
        _webSocket = webSocket;
        _stream = webSocket.Output;
        _abort = abort;
    }

    /// <summary>Completes once the close frame went out (or the connection failed): nothing more will be written.</summary>
    public Task Completion => _completion.Task;

    /// <summary>After something was queued: makes sure the lane will come round to this connection.</summary>
    public void Schedule()
    {
        if (Interlocked.CompareExchange(ref _state, Scheduled, Idle) == Idle)
        {
            _lane.Add(this);
        }
    }

    /// <summary>
    /// The session closed: its close frame must be out within <paramref name="limit"/>, or the connection is dropped.
    /// A client that stopped reading would otherwise hold it (and what is queued for it) forever.
    /// </summary>
    public async Task DropUnlessClosedWithinAsync(TimeSpan limit)
    {
        try
        {
            await _completion.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Volatile.Write(ref _state, Done);
            _abort();
            Stop();
        }
    }

    /// <summary>
    /// On the lane's thread: writes what is queued, gathering frames into as few writes as it can. Returns at once
    /// when a write cannot complete (the client reads slowly): the rest goes on asynchronously, off the lane.
    /// </summary>
    public void Flush(List<EnginePacket> packets)
    {
        // Idle again before reading the queue: anything queued from now on schedules another turn.
        if (Interlocked.CompareExchange(ref _state, Idle, Scheduled) != Scheduled)
        {
            return;
        }

        try
        {
            _session.TakeQueued(packets);
            var index = 0;
            while (index < packets.Count)
            {
                if (packets[index].IsClose)
                {
                    Close();
                    return;
                }

                var bytes = Gather(packets, ref index, out var rented);
                var write = WriteAsync(bytes);
                if (write.IsCompleted)
                {
                    Return(rented);
                    write.GetAwaiter().GetResult();
                    continue;
                }

                // Slow path: the rest waits for this write, off the lane; the connection is not taken again till then.
                Volatile.Write(ref _state, Writing);
                _ = ContinueAsync(write, rented, packets.GetRange(index, packets.Count - index));
                return;
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
        finally
        {
            // The lane's list must not keep packets alive until the next turn.
            packets.Clear();
        }
    }

    private async Task ContinueAsync(ValueTask write, byte[]? rented, List<EnginePacket> packets)
    {
        try
        {
            await write.ConfigureAwait(false);
            Return(rented);
            while (true)
            {
                var index = 0;
                while (index < packets.Count)
                {
                    if (packets[index].IsClose)
                    {
                        Close();
                        return;
                    }

                    var bytes = Gather(packets, ref index, out rented);
                    await WriteAsync(bytes).ConfigureAwait(false);
                    Return(rented);
                }

                // What was queued meanwhile did not schedule a turn (the state was Writing): look before leaving.
                Volatile.Write(ref _state, Idle);
                if (!_session.HasQueued || Interlocked.CompareExchange(ref _state, Writing, Idle) != Idle)
                {
                    return;
                }

                packets.Clear();
                _session.TakeQueued(packets);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    // The frames of packets[index..] up to the first close marker, as one write of at most GatherLimit bytes (or one
    // bigger frame, uncopied); moves index past them. A single frame is not copied either.
    private ReadOnlyMemory<byte> Gather(List<EnginePacket> packets, ref int index, out byte[]? rented)
    {
        rented = null;
        var start = index;
        var first = packets[index];
        var frame = first.WebSocketFrame;
        long payload = first.Data.Length;
        index++;
        var length = frame.Length;
        if (index < packets.Count && !packets[index].IsClose && length + packets[index].WebSocketFrame.Length <= GatherLimit)
        {
            rented = ArrayPool<byte>.Shared.Rent(GatherLimit);
            frame.Span.CopyTo(rented);
            while (index < packets.Count && !packets[index].IsClose)
            {
                var next = packets[index].WebSocketFrame;
                if (length + next.Length > GatherLimit)
                {
                    break;
                }

                next.Span.CopyTo(rented.AsSpan(length));
                length += next.Length;
                payload += packets[index].Data.Length;
                index++;
            }
        }

        _session.CountSent(index - start, payload);
        return rented is null ? frame : rented.AsMemory(0, length);
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_stream.TryTakeTurn())
        {
            var write = _stream.WriteInTurnAsync(bytes);
            if (write.IsCompletedSuccessfully)
            {
                _stream.EndTurn();
                return ValueTask.CompletedTask;
            }

            return EndTurnAfterAsync(write);
        }

        // The WebSocket is writing a control frame: the stream's own write waits for it.
        return _stream.WriteAsync(bytes);
    }

    private void Close()
    {
        // The close marker: nothing follows it.
        Volatile.Write(ref _state, Done);
        _ = CloseAsync();
    }

    private async ValueTask EndTurnAfterAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            _stream.EndTurn();
        }
    }

    // Over WebSocket the reference server closes with a close frame, no "1" packet.
    private async Task CloseAsync()
    {
        await _webSocket.TryCloseOutputAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);

        // The client's close frame ends the read; a client that never sends it is given the grace period.
        _ = CancelReadAfterGraceAsync();
        _completion.TrySetResult();
    }

    // Whatever went wrong, the lane thread must go on serving the other connections.
    private void Fail(Exception e)
    {
        // Done first, so that the close marker Close queues is not written to a failed connection.
        Volatile.Write(ref _state, Done);
        if (e is not (OperationCanceledException or WebSocketException or IOException or ObjectDisposedException))
        {
            _session.LogWriteFailed(e);
        }

        _session.Close("transport error");
        Stop();
    }

    private async Task CancelReadAfterGraceAsync()
    {
        await Task.Delay(EngineSocket.CloseHandshakeGrace).ConfigureAwait(false);
        _webSocket.CancelRead();
    }

    // Nothing more will be written: the reader stops too.
    private void Stop()
    {
        Volatile.Write(ref _state, Done);
        _webSocket.CancelRead();
        _completion.TrySetResult();
    }
}
