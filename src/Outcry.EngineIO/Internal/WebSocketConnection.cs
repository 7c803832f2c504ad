using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;

namespace Outcry.EngineIO.Internal;

/// <summary>
/// The server's side of a WebSocket (RFC 6455) whose upgrade is answered: reads whole messages straight from the
/// connection's <see cref="PipeReader"/>, answers pings, and writes its close and pong frames through the
/// <see cref="SharedWriteStream"/> the session's <see cref="WebSocketWriter"/> writes data frames to.
/// <para>
/// An idle connection waits in one pipe read: no buffer, no cancellation registration and no chain of suspended reads
/// (the framework's WebSocket over a stream held about 1 KB more per idle connection). What a read brings is consumed
/// as it is parsed, so a message is never held twice and the pipe never fills.
/// </para>
/// </summary>
internal sealed class WebSocketConnection(PipeReader input, SharedWriteStream output, bool ownsInput) : IDisposable
{
    private const byte Fin = 0x80;
    private const byte Reserved = 0x70;
    private const byte OpcodeMask = 0x0F;
    private const byte Continuation = 0x0;
    internal const byte Text = 0x1;
    internal const byte Binary = 0x2;
    private const byte Close = 0x8;
    private const byte Ping = 0x9;
    private const byte Pong = 0xA;
    private const int MaxControlPayload = 125;

    private int _closeSent;
    private volatile bool _closeReceived;
    private volatile bool _aborted;
    private volatile bool _disposed;

    /// <summary>Where data frames are written (by <see cref="WebSocketWriter"/>), taking turns with this connection's own frames.</summary>
    public SharedWriteStream Output => output;

    public WebSocketState State =>
        _aborted ? WebSocketState.Aborted
        : Volatile.Read(ref _closeSent) == 1 ? (_closeReceived ? WebSocketState.Closed : WebSocketState.CloseSent)
        : _closeReceived ? WebSocketState.CloseReceived
        : WebSocketState.Open;

    /// <summary>
    /// The next whole message, or null once the client's close frame came. Throws <see cref="MessageTooBigException"/>
    /// as soon as a message's frames announce more than <paramref name="max"/> bytes, <see cref="WebSocketException"/>
    /// for a protocol violation (after sending the matching close frame) or a connection closed without a close frame,
    /// and <see cref="OperationCanceledException"/> after <see cref="CancelRead"/> or when <paramref name="cancel"/> fires.
    /// </summary>
    public async ValueTask<WebSocketMessage?> ReceiveAsync(int max, CancellationToken cancel)
    {
        var message = new MessageBuilder();
        var frame = default(FrameHeader);
        var inFrame = false;
        while (true)
        {
            var result = await input.ReadAsync(cancel).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("The WebSocket read was cancelled.");
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;

            // Only when a frame is incomplete is everything examined, so that the next read waits for more. What follows
            // a message returned stays unexamined: the next call parses it at once.
            var needMore = false;
            try
            {
                while (true)
                {
                    if (!inFrame)
                    {
                        var available = buffer.Slice(consumed);
                        if (!FrameHeader.TryRead(available, out frame, out var headerLength))
                        {
                            needMore = true;
                            break;
                        }

                        var violation = Validate(frame, message.Started);
                        if (violation is not null)
                        {
                            await FailAsync(WebSocketCloseStatus.ProtocolError, violation).ConfigureAwait(false);
                        }

                        if (frame.IsControl)
                        {
                            // Whole or not at all: at most 125 bytes.
                            if (available.Length < headerLength + frame.Length)
                            {
                                needMore = true;
                                break;
                            }

                            var payload = available.Slice(headerLength, frame.Length).ToArray();
                            Unmask(payload, frame.Mask, 0);
                            consumed = available.GetPosition(headerLength + frame.Length);
                            if (!await OnControlAsync(frame.Opcode, payload).ConfigureAwait(false))
                            {
                                return null;
                            }

                            continue;
                        }

                        if (frame.Length > max - message.Length)
                        {
                            throw new MessageTooBigException();
                        }

                        message.Begin(frame);
                        consumed = available.GetPosition(headerLength);
                        inFrame = true;
                    }

                    // Payload, as much as has arrived: unmasked into the message and consumed.
                    var chunk = buffer.Slice(consumed);
                    var take = (int)Math.Min(chunk.Length, frame.Remaining);
                    message.Append(chunk.Slice(0, take), ref frame);
                    consumed = chunk.GetPosition(take);
                    if (frame.Remaining > 0)
                    {
                        needMore = true;
                        break;
                    }

                    inFrame = false;
                    if (frame.IsFinal)
                    {
                        var whole = message.Complete();
                        if (!whole.IsBinary && !Utf8.IsValid(whole.Data.Span))
                        {
                            await FailAsync(WebSocketCloseStatus.InvalidPayloadData, "invalid UTF-8 in a text message").ConfigureAwait(false);
                        }

                        return whole;
                    }
                }

                if (result.IsCompleted)
                {
                    _aborted = true;
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely);
                }
            }
            finally
            {
                input.AdvanceTo(consumed, needMore ? buffer.End : consumed);
            }
        }
    }

    /// <summary>
    /// Waits for the client's next bytes without taking them. An idle connection waits here with no suspended method of
    /// this class: a suspended <see cref="ReceiveAsync"/> would hold about 400 bytes. Hand the result to
    /// <see cref="EndWait"/>, then receive.
    /// </summary>
    public ValueTask<ReadResult> WaitAsync() => input.ReadAsync();

    /// <summary>Leaves what <see cref="WaitAsync"/> saw to <see cref="ReceiveAsync"/>; throws if the wait was cancelled.</summary>
    public void EndWait(in ReadResult waited)
    {
        input.AdvanceTo(waited.Buffer.Start);
        if (waited.IsCanceled)
        {
            throw new OperationCanceledException("The WebSocket read was cancelled.");
        }
    }

    /// <summary>
    /// Makes the pending (or next) <see cref="ReceiveAsync"/> or <see cref="WaitAsync"/> end cancelled. Harmless
    /// once the connection is gone.
    /// </summary>
    public void CancelRead()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            input.CancelPendingRead();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>Sends the close frame (once; later calls do nothing). The client's close frame is read by <see cref="ReceiveAsync"/>.</summary>
    public async ValueTask CloseOutputAsync(WebSocketCloseStatus status, string? description, CancellationToken cancel)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) == 1)
        {
            return;
        }

        var reason = Encoding.UTF8.GetBytes(description ?? "");
        var payload = new byte[2 + Math.Min(reason.Length, MaxControlPayload - 2)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        reason.AsSpan(0, payload.Length - 2).CopyTo(payload.AsSpan(2));
        await output.WriteAsync(ServerFrame(Close, payload), cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="CloseOutputAsync"/> unless a close frame went out already or the connection is gone, within the close
    /// handshake's grace; a connection failing meanwhile is let be (it is ending anyway).
    /// </summary>
    public async Task TryCloseOutputAsync(WebSocketCloseStatus status, string? description)
    {
        if (State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(EngineSocket.CloseHandshakeGrace);
            await CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>One whole unmasked frame, as a server sends it (RFC 6455 §5.2), around <paramref name="payload"/>.</summary>
    internal static byte[] ServerFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        var headerLength = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[headerLength + payload.Length];
        frame[0] = (byte)(Fin | opcode);
        if (headerLength == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else if (headerLength == 4)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        payload.CopyTo(frame.AsSpan(headerLength));
        return frame;
    }

    /// <summary>Drops the connection's streams: a pending read ends, and nothing more is written.</summary>
    public void Abort()
    {
        _aborted = true;
        CancelRead();
        Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ownsInput)
        {
            input.Complete();
        }

        output.Dispose();
    }

    // RFC 6455 §5.2–5.5: no extension is negotiated, clients mask, control frames are single and short, and a message's
    // frames do not interleave with another message's.
    private static string? Validate(in FrameHeader frame, bool messageStarted)
    {
        if (frame.RawReserved != 0)
        {
            return "reserved bits set";
        }

        if (!frame.IsMasked)
        {
            return "unmasked frame from a client";
        }

        return frame.Opcode switch
        {
            Close or Ping or Pong when !frame.IsFinal => "fragmented control frame",
            Close or Ping or Pong when frame.Length > MaxControlPayload => "control frame over 125 bytes",
            Close or Ping or Pong => null,
            Continuation when !messageStarted => "continuation frame without a message",
            Text or Binary when messageStarted => "new message before the previous one ended",
            Continuation or Text or Binary => null,
            _ => $"reserved opcode {frame.Opcode}",
        };
    }

    // False when the client's close frame came: the read ends.
    private async ValueTask<bool> OnControlAsync(byte opcode, byte[] payload)
    {
        switch (opcode)
        {
            case Ping:
                await output.WriteAsync(ServerFrame(Pong, payload)).ConfigureAwait(false);
                return true;
            case Pong:
                return true;
            default:
                var violation = CloseViolation(payload);
                if (violation is not null)
                {
                    await FailAsync(violation.Value.Status, violation.Value.Reason).ConfigureAwait(false);
                }

                _closeReceived = true;
                return false;
        }
    }

    private static (WebSocketCloseStatus Status, string Reason)? CloseViolation(byte[] payload)
    {
        if (payload.Length == 0)
        {
            return null;
        }

        if (payload.Length == 1)
        {
            return (WebSocketCloseStatus.ProtocolError, "close frame of one byte");
        }

        var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        var valid = code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
        if (!valid)
        {
            return (WebSocketCloseStatus.ProtocolError, $"invalid close code {code}");
        }

        return Utf8.IsValid(payload.AsSpan(2)) ? null : (WebSocketCloseStatus.InvalidPayloadData, "invalid UTF-8 in the close reason");
    }

    // A violation ends the connection: the close frame says why, and the read fails.
    private async Task FailAsync(WebSocketCloseStatus status, string reason)
    {
        await TryCloseOutputAsync(status, reason).ConfigureAwait(false);
        throw new WebSocketException(WebSocketError.Faulted, "WebSocket protocol violation: " + reason);
    }

    private static void Unmask(Span<byte> data, uint mask, int offset)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, mask);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] ^= key[(offset + i) & 3];
        }
    }

    private struct FrameHeader
    {
        public byte First;
        public bool IsMasked;
        public long Length;
        public uint Mask;
        public long Remaining;

        public readonly byte Opcode => (byte)(First & OpcodeMask);

        public readonly bool IsFinal => (First & Fin) != 0;

        public readonly int RawReserved => First & Reserved;

        public readonly bool IsControl => (Opcode & 0x8) != 0;

        public static bool TryRead(ReadOnlySequence<byte> data, out FrameHeader frame, out int length)
        {
            frame = default;
            length = 0;
            Span<byte> head = stackalloc byte[14];
            var have = (int)Math.Min(data.Length, head.Length);
            if (have < 2)
            {
                return false;
            }

            data.Slice(0, have).CopyTo(head);
            frame.First = head[0];
            frame.IsMasked = (head[1] & 0x80) != 0;
            var length7 = head[1] & 0x7F;
            var extended = length7 switch { 126 => 2, 127 => 8, _ => 0 };
            length = 2 + extended + (frame.IsMasked ? 4 : 0);
            if (have < length)
            {
                return false;
            }

            frame.Length = extended switch
            {
                2 => BinaryPrimitives.ReadUInt16BigEndian(head[2..]),
                // The most significant bit must be 0 (RFC 6455 §5.2); read as a signed length, it shows as negative.
                8 => BinaryPrimitives.ReadInt64BigEndian(head[2..]) is var l and >= 0 ? l : long.MaxValue,
                _ => length7,
            };
            frame.Mask = frame.IsMasked ? BinaryPrimitives.ReadUInt32BigEndian(head[(2 + extended)..]) : 0;
            frame.Remaining = frame.Length;
            return true;
        }
    }

    // One message's payload: a single frame's bytes go straight into an array of its exact size (the handler owns it),
    // several frames' into a growing buffer.
    private struct MessageBuilder
    {
        private byte[]? _single;
        private ArrayBufferWriter<byte>? _several;
        private int _written;
        private bool _isBinary;

        public readonly bool Started => _single is not null || _several is not null;

        public readonly long Length => _several?.WrittenCount ?? _written;

        public void Begin(in FrameHeader frame)
        {
            if (frame.Opcode != Continuation)
            {
                _isBinary = frame.Opcode == Binary;
                if (frame.IsFinal)
                {
                    _single = frame.Length == 0 ? [] : new byte[frame.Length];
                    return;
                }
            }

            _several ??= new ArrayBufferWriter<byte>((int)Math.Max(256, Math.Min(frame.Length, 1 << 16)));
        }

        public void Append(ReadOnlySequence<byte> data, ref FrameHeader frame)
        {
            var offset = (int)(frame.Length - frame.Remaining);
            var target = _single is not null ? _single.AsSpan(_written, (int)data.Length) : _several!.GetSpan((int)data.Length)[..(int)data.Length];
            data.CopyTo(target);
            Unmask(target, frame.Mask, offset);
            if (_single is not null)
            {
                _written += target.Length;
            }
            else
            {
                _several!.Advance(target.Length);
            }

            frame.Remaining -= data.Length;
        }

        public readonly WebSocketMessage Complete() =>
            new(_single is not null ? _single : _several?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty, _isBinary);
    }
}

/// <summary>One whole WebSocket message.</summary>
internal readonly record struct WebSocketMessage(ReadOnlyMemory<byte> Data, bool IsBinary);

/// <summary>A message longer than the server accepts (<see cref="EngineIoOptions.MaxHttpBufferSize"/>).</summary>
internal sealed class MessageTooBigException : Exception
{
    public MessageTooBigException()
        : base("The WebSocket message is longer than the server accepts.")
    {
    }
}
