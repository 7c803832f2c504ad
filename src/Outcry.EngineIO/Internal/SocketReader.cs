using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// A connection's input read straight from its non-blocking socket, for a WebSocket served without Kestrel's transport
/// (<see cref="DirectTransport"/>). A transport's pipe keeps a receive loop, two pipes and their buffers for each
/// connection; here an idle connection holds neither a buffer nor a suspended method: a read with nothing to return
/// waits on a zero-byte receive, and this object is the read's awaitable. Received bytes sit in a buffer rented from
/// the shared pool, returned as soon as they are all consumed.
/// <para>
/// One read at a time, as for any <see cref="PipeReader"/>. A failed connection (reset, or closed under the read)
/// throws <see cref="IOException"/>; the client's end of the stream completes the read.
/// </para>
/// </summary>
internal sealed class SocketReader : PipeReader, IValueTaskSource<ReadResult>
{
    private const int ReceiveSize = 4096;

    private readonly Socket _socket;
    private readonly Lock _gate = new();
    private readonly Action _onReadable;

    // A mutable struct: never readonly.
    private ManualResetValueTaskSourceCore<ReadResult> _read;
    private ValueTask<int> _poll;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    // Unconsumed bytes: _buffer[_start.._end]; no buffer while there are none.
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private ReadOnlySequence<byte> _returned;

    private bool _examinedAll;
    private bool _ended;
    private IOException? _failure;
    private bool _cancelNext;
    private bool _waiting;
    private bool _polling;
    private bool _completed;

    public SocketReader(Socket socket)
    {
        _socket = socket;
        _onReadable = OnReadable;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            if (_waiting)
            {
                throw new InvalidOperationException("A read is already pending.");
            }

            try
            {
                if (TryReadNow(out var now))
                {
                    return new ValueTask<ReadResult>(now);
                }
            }
            catch (IOException e)
            {
                return ValueTask.FromException<ReadResult>(e);
            }

            _read.Reset();
            _waiting = true;
            _token = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static reader => ((SocketReader)reader!).OnTokenCancelled(), this);
            }
        }

        Poll();
        return new ValueTask<ReadResult>(this, _read.Version);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            return TryReadNow(out result);
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (_gate)
        {
            if (_buffer is null)
            {
                return;
            }

            _examinedAll = _returned.Slice(0, examined).Length == _returned.Length;
            _start += (int)_returned.Slice(0, consumed).Length;
            _returned = default;
            if (_start == _end)
            {
                Release();
            }
        }
    }

    public override void CancelPendingRead()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _cancelNext = true;
                return;
            }

            _waiting = false;
        }

        // Off the caller's thread (a flush thread stopping a connection): the read's continuation is the reader's work.
        ThreadPool.UnsafeQueueUserWorkItem(static reader => reader.FinishCancelled(), this, preferLocal: false);
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_gate)
        {
            _completed = true;
            Release();
        }
    }

    // Under the gate: what a read returns without waiting, if anything. A non-blocking receive first takes what the
    // kernel already has.
    private bool TryReadNow(out ReadResult result)
    {
        if (_cancelNext)
        {
            _cancelNext = false;
            result = new ReadResult(Held(), isCanceled: true, isCompleted: false);
            return true;
        }

        if ((_end == _start || _examinedAll) && !_ended)
        {
            Receive();
        }

        if (_failure is not null)
        {
            throw _failure;
        }

        if ((_end > _start && !_examinedAll) || _ended)
        {
            _examinedAll = false;
            result = new ReadResult(Held(), isCanceled: false, isCompleted: _ended);
            return true;
        }

        result = default;
        return false;
    }

    private void Receive()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(ReceiveSize);
        }
        else if (_end == _buffer.Length)
        {
            // Full: make room at the front, or else a bigger buffer (held bytes are bounded by what the consumer
            // leaves unconsumed: a frame's header, a control frame).
            var held = _end - _start;
            var target = _start > 0 ? _buffer : ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, _start, target, 0, held);
            if (target != _buffer)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _start = 0;
            _end = held;
        }

        int received;
        SocketError error;
        try
        {
            received = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            received = 0;
            error = SocketError.OperationAborted;
        }

        switch (error)
        {
            case SocketError.Success when received == 0:
                _ended = true;
                break;
            case SocketError.Success:
                _end += received;
                _examinedAll = false;
                break;
            case SocketError.WouldBlock:
                break;
            default:
                _ended = true;
                _failure = new IOException($"receive failed: {error}", new SocketException((int)error));
                break;
        }

        if (_start == _end)
        {
            Release();
        }
    }

    private ReadOnlySequence<byte> Held() =>
        _returned = _buffer is null ? default : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    private void Release()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _start = _end = 0;
        _returned = default;
    }

    // Waits for the socket to become readable: a zero-byte receive, which holds no buffer. A receive still pending
    // from a read that ended cancelled serves the next read.
    private void Poll()
    {
        lock (_gate)
        {
            if (_polling)
            {
                return;
            }

            _polling = true;
        }

        // The receive is consumed exactly once, by OnReadable.
#pragma warning disable CA2012
        try
        {
            _poll = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            _poll = ValueTask.FromException<int>(e);
        }

        if (_poll.IsCompleted)
        {
            OnReadable();
        }
        else
        {
            _poll.GetAwaiter().UnsafeOnCompleted(_onReadable);
        }
#pragma warning restore CA2012
    }

    private void OnReadable()
    {
        var failed = false;
        try
        {
            _poll.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or OperationCanceledException)
        {
            failed = true;
        }

        var result = default(ReadResult);
        IOException? failure = null;
        var registration = default(CancellationTokenRegistration);
        bool done;
        lock (_gate)
        {
            _poll = default;
            _polling = false;
            if (!_waiting)
            {
                return;
            }

            try
            {
                done = TryReadNow(out result);
                if (!done && failed)
                {
                    // A closed socket that reported nothing more: the connection is gone.
                    _ended = true;
                    result = new ReadResult(Held(), isCanceled: false, isCompleted: true);
                    done = true;
                }
            }
            catch (IOException e)
            {
                failure = e;
                done = true;
            }

            if (done)
            {
                registration = EndWaiting();
            }
        }

        if (!done)
        {
            // Readable, yet nothing to take: wait again (out of the gate, as the receive may complete at once).
            Poll();
            return;
        }

        registration.Dispose();
        if (failure is not null)
        {
            _read.SetException(failure);
        }
        else
        {
            _read.SetResult(result);
        }
    }

    // Only the pending read's own token ends it: a registration from an earlier read may fire late.
    private void OnTokenCancelled()
    {
        CancellationTokenRegistration registration;
        CancellationToken token;
        lock (_gate)
        {
            if (!_waiting || !_token.IsCancellationRequested)
            {
                return;
            }

            token = _token;
            registration = EndWaiting();
        }

        registration.Dispose();
        _read.SetException(new OperationCanceledException(token));
    }

    private void FinishCancelled()
    {
        ReadResult result;
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            result = new ReadResult(Held(), isCanceled: true, isCompleted: false);
            registration = _registration;
            _registration = default;
        }

        registration.Dispose();
        _read.SetResult(result);
    }

    // Under the gate: the pending read is about to complete; its registration is disposed outside the gate.
    private CancellationTokenRegistration EndWaiting()
    {
        _waiting = false;
        _token = default;
        var registration = _registration;
        _registration = default;
        return registration;
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);
}
