using System.Net.WebSockets;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

public sealed partial class EngineSocket
{
    internal static readonly TimeSpan CloseHandshakeGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs the session over <paramref name="webSocket"/> until either side closes it: the connection reads here, and a
    /// <see cref="WebSocketWriter"/> writes. <paramref name="abort"/> drops the connection when the writer cannot finish
    /// (a client that stopped reading). Disposes the WebSocket at the end.
    /// </summary>
    internal async Task RunWebSocketAsync(WebSocketConnection webSocket, Action abort)
    {
        using var owned = webSocket;
        var writer = new WebSocketWriter(this, webSocket, abort);
        Volatile.Write(ref _writer, writer);
        if (!IsOpen)
        {
            // Closed while the transport was starting: Close saw no writer to watch.
            _ = writer.DropUnlessClosedWithinAsync(2 * CloseHandshakeGrace);
        }

        // What was queued before (the open packet, or what polling left) goes first.
        writer.Schedule();
        var reason = await ReadLoopAsync(webSocket).ConfigureAwait(false);
        Close(reason);
        await writer.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Polling → WebSocket upgrade: "2probe" → "3probe", a noop releases the pending GET, then "5" switches
    /// the session over. Anything else, or no "5" within the upgrade timeout, closes the probe only.
    /// </summary>
    internal async Task UpgradeAsync(WebSocketConnection webSocket, Action abort)
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
            var probe = await webSocket.ReceiveAsync(_server.Options.MaxHttpBufferSize, timeout.Token).ConfigureAwait(false);
            if (probe is { IsBinary: false } && probe.Value.Data.Span.SequenceEqual("2probe"u8))
            {
                await webSocket.Output.WriteAsync(EnginePacket.PongProbe.WebSocketFrame, timeout.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    // A GET waiting now is answered with a noop, so the client can pause polling and send "5".
                    _probeAnswered = true;
                    ReleasePendingPoll();
                }

                var upgrade = await webSocket.ReceiveAsync(_server.Options.MaxHttpBufferSize, timeout.Token).ConfigureAwait(false);
                upgraded = upgrade is { IsBinary: false } && upgrade.Value.Data.Span.SequenceEqual("5"u8);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or MessageTooBigException or IOException)
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

        await RunWebSocketAsync(webSocket, abort).ConfigureAwait(false);
    }

    /// <summary>Accepted then closed, as the reference server treats a WebSocket it will not use.</summary>
    internal static async Task CloseProbeAsync(WebSocketConnection webSocket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeGrace);
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            while (webSocket.State == WebSocketState.CloseSent)
            {
                await webSocket.ReceiveAsync(1024, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or MessageTooBigException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            webSocket.Abort();
        }
    }

    private async Task<string> ReadLoopAsync(WebSocketConnection webSocket)
    {
        var max = _server.Options.MaxHttpBufferSize;
        try
        {
            while (true)
            {
                // An idle connection waits here, in one pipe read: no buffer, and no further method suspended.
                var waited = await webSocket.WaitAsync().ConfigureAwait(false);
                webSocket.EndWait(waited);
                var message = await webSocket.ReceiveAsync(max, CancellationToken.None).ConfigureAwait(false);
                if (message is null)
                {
                    return "transport close";
                }

                if (!DecodedPacket.TryParseFrame(message.Value.Data, message.Value.IsBinary, out var packet))
                {
                    _server.LogProtocolViolation(Id, "malformed WebSocket frame");
                    return "parse error";
                }

                OnPacket(packet);
                if (!IsOpen)
                {
                    // Closed from above (or by a close packet): keep reading only until the close handshake ends.
                    while (webSocket.State is WebSocketState.Open or WebSocketState.CloseSent
                        && await webSocket.ReceiveAsync(max, CancellationToken.None).ConfigureAwait(false) is not null)
                    {
                    }

                    return "transport close";
                }
            }
        }
        catch (MessageTooBigException)
        {
            _server.LogPayloadTooLarge(Id, max);
            await webSocket.TryCloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Max payload size exceeded").ConfigureAwait(false);
            return "transport error";
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            return IsOpen ? "transport error" : "transport close";
        }
    }
}
