using System.Buffers;
using System.Net.WebSockets;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

public sealed partial class EngineSocket
{
    internal static readonly TimeSpan CloseHandshakeGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs the session over <paramref name="webSocket"/> until either side closes it: the socket reads here, and a
    /// <see cref="WebSocketWriter"/> writes through <paramref name="stream"/>. <paramref name="abort"/> drops the
    /// connection when the writer cannot finish (a client that stopped reading). Disposes the WebSocket at the end.
    /// </summary>
    internal async Task RunWebSocketAsync(WebSocket webSocket, SharedWriteStream stream, Action abort)
    {
        using var owned = webSocket;
        using var readCancel = new CancellationTokenSource();
        var writer = new WebSocketWriter(this, webSocket, stream, readCancel, abort);
        Volatile.Write(ref _writer, writer);
        if (!IsOpen)
        {
            // Closed while the transport was starting: Close saw no writer to watch.
            _ = writer.DropUnlessClosedWithinAsync(2 * CloseHandshakeGrace);
        }

        // What was queued before (the open packet, or what polling left) goes first.
        writer.Schedule();
        var reason = await ReadLoopAsync(webSocket, readCancel.Token).ConfigureAwait(false);
        Close(reason);
        await writer.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Polling → WebSocket upgrade: "2probe" → "3probe", a noop releases the pending GET, then "5" switches
    /// the session over. Anything else, or no "5" within the upgrade timeout, closes the probe only.
    /// </summary>
    internal async Task UpgradeAsync(WebSocket webSocket, SharedWriteStream stream, Action abort)
    {
        lock (_gate)
        {
            if (_upgrading || _isWebSocket || !IsOpen)
            {
                // Reference: "transport has already been trying to upgrade" / "already been upgraded".
                _ = CloseProbeAsync(webSocket);
                return;
            }

            _upgrading = true;
            _probeAnswered = false;
            _upgradeSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var timeout = new CancellationTokenSource(_server.Options.UpgradeTimeout);
        var upgraded = false;
        try
        {
            var probe = await ReceiveFrameAsync(webSocket, _server.Options.MaxHttpBufferSize, timeout.Token).ConfigureAwait(false);
            if (probe is { IsBinary: false } && probe.Value.Data.Span.SequenceEqual("2probe"u8))
            {
                await webSocket.SendAsync(EnginePacket.PongProbe.Data, WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    // A GET waiting now is answered with a noop, so the client can pause polling and send "5".
                    _probeAnswered = true;
                    ReleasePendingPoll();
                }

                var upgrade = await ReceiveFrameAsync(webSocket, _server.Options.MaxHttpBufferSize, timeout.Token).ConfigureAwait(false);
                upgraded = upgrade is { IsBinary: false } && upgrade.Value.Data.Span.SequenceEqual("5"u8);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or MessageTooBigException)
        {
            _server.LogUpgradeFailed(Id, e.GetType().Name);
        }

        TaskCompletionSource? settled;
        lock (_gate)
        {
            _upgrading = false;
            _probeAnswered = false;
            settled = _upgradeSettled;
            _upgradeSettled = null;
            if (upgraded && IsOpen)
            {
                _isWebSocket = true;
                Interlocked.Decrement(ref _server.Metrics.PollingConnections);
                Interlocked.Increment(ref _server.Metrics.WebSocketConnections);
                Interlocked.Increment(ref _server.Metrics.Upgrades);
                ReleasePendingPoll();
            }
            else
            {
                upgraded = false;
            }
        }

        settled?.TrySetResult();
        if (!upgraded)
        {
            await CloseProbeAsync(webSocket).ConfigureAwait(false);
            return;
        }

        await RunWebSocketAsync(webSocket, stream, abort).ConfigureAwait(false);
    }

    /// <summary>Accepted then closed, as the reference server treats a WebSocket it will not use.</summary>
    internal static async Task CloseProbeAsync(WebSocket webSocket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeGrace);
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            while (webSocket.State == WebSocketState.CloseSent)
            {
                await ReceiveFrameAsync(webSocket, 1024, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or MessageTooBigException)
        {
        }
        finally
        {
            webSocket.Abort();
        }
    }

    private async Task<string> ReadLoopAsync(WebSocket webSocket, CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                // An idle connection waits here, on a zero-byte read: no buffer, and no further method suspended.
                var first = await webSocket.ReceiveAsync(Memory<byte>.Empty, cancel).ConfigureAwait(false);
                var frame = await ReadFrameAsync(webSocket, first, _server.Options.MaxHttpBufferSize, cancel).ConfigureAwait(false);
                if (frame is null)
                {
                    return "transport close";
                }

                if (!DecodedPacket.TryParseFrame(frame.Value.Data, frame.Value.IsBinary, out var packet))
                {
                    _server.LogProtocolViolation(Id, "malformed WebSocket frame");
                    return "parse error";
                }

                OnPacket(packet);
                if (!IsOpen)
                {
                    // Closed from above (or by a close packet): keep reading only until the close handshake ends.
                    await DrainUntilClosedAsync(webSocket, cancel).ConfigureAwait(false);
                    return "transport close";
                }
            }
        }
        catch (MessageTooBigException)
        {
            _server.LogPayloadTooLarge(Id, _server.Options.MaxHttpBufferSize);
            await TryCloseOutputAsync(webSocket, WebSocketCloseStatus.MessageTooBig, "Max payload size exceeded").ConfigureAwait(false);
            return "transport error";
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            return IsOpen ? "transport error" : "transport close";
        }
    }

    private static async Task DrainUntilClosedAsync(WebSocket webSocket, CancellationToken cancel)
    {
        while (webSocket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            if (await ReceiveFrameAsync(webSocket, int.MaxValue, cancel).ConfigureAwait(false) is null)
            {
                return;
            }
        }
    }

    internal static async Task TryCloseOutputAsync(WebSocket webSocket, WebSocketCloseStatus status, string? description)
    {
        if (webSocket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeGrace);
            await webSocket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Receives one whole message, enforcing <paramref name="max"/> while reading. Null on a close frame.</summary>
    private static async Task<WebSocketFrame?> ReceiveFrameAsync(WebSocket webSocket, int max, CancellationToken cancel)
    {
        // A zero-byte read waits for the next frame without holding a buffer.
        var first = await webSocket.ReceiveAsync(Memory<byte>.Empty, cancel).ConfigureAwait(false);
        return await ReadFrameAsync(webSocket, first, max, cancel).ConfigureAwait(false);
    }

    /// <summary>The rest of the message whose arrival <paramref name="first"/> (a zero-byte read's result) announced.</summary>
    private static async ValueTask<WebSocketFrame?> ReadFrameAsync(WebSocket webSocket, ValueWebSocketReceiveResult first, int max, CancellationToken cancel)
    {
        if (first.MessageType == WebSocketMessageType.Close)
        {
            return null;
        }

        var isBinary = first.MessageType == WebSocketMessageType.Binary;
        if (first.EndOfMessage)
        {
            return new WebSocketFrame(ReadOnlyMemory<byte>.Empty, isBinary);
        }

        var chunk = ArrayPool<byte>.Shared.Rent(4096);
        ArrayBufferWriter<byte>? large = null;
        try
        {
            while (true)
            {
                var result = await webSocket.ReceiveAsync(chunk.AsMemory(), cancel).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                if (large is null && result.EndOfMessage)
                {
                    // The common case, one read: copy out exactly the message (the handler owns it from now on).
                    return result.Count > max ? throw new MessageTooBigException() : new WebSocketFrame(chunk.AsSpan(0, result.Count).ToArray(), isBinary);
                }

                large ??= new ArrayBufferWriter<byte>(8192);
                large.Write(chunk.AsSpan(0, result.Count));
                if (large.WrittenCount > max)
                {
                    throw new MessageTooBigException();
                }

                if (result.EndOfMessage)
                {
                    return new WebSocketFrame(large.WrittenMemory, isBinary);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private readonly record struct WebSocketFrame(ReadOnlyMemory<byte> Data, bool IsBinary);

    private sealed class MessageTooBigException : Exception;
}
