using System.Buffers;
using Microsoft.AspNetCore.Http;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

public sealed partial class EngineSocket
{
    private bool _getPending;
    private bool _postPending;
    private CancellationTokenSource? _pollCancel;

    private static readonly TimeSpan ProbeGetWait = TimeSpan.FromMilliseconds(100);

    /// <summary>A polling GET: answers with everything queued, waiting until something is.</summary>
    internal async Task HandlePollAsync(PollExchange exchange)
    {
        Task? upgradeSettled;
        lock (_gate)
        {
            upgradeSettled = _probeAnswered ? _upgradeSettled?.Task : null;
        }

        if (upgradeSettled is not null)
        {
            // A GET sent while the probe is answered comes from a client about to send "5" (or that already did,
            // its frame still in flight): give the upgrade a moment to land so the answer is deterministic.
            await Task.WhenAny(upgradeSettled, Task.Delay(ProbeGetWait, _server.Time)).ConfigureAwait(false);
            bool upgraded;
            lock (_gate)
            {
                upgraded = _isWebSocket;
            }

            if (upgraded)
            {
                await exchange.RespondAsync(EngineIoError.BadRequest).ConfigureAwait(false);
                return;
            }

            if (_probeAnswered)
            {
                await WritePayloadAsync(exchange, [EnginePacket.Noop]).ConfigureAwait(false);
                return;
            }
        }

        CancellationTokenSource? cancel = null;
        lock (_gate)
        {
            if (!_getPending)
            {
                _getPending = true;
                cancel = _pollCancel = CancellationTokenSource.CreateLinkedTokenSource(exchange.Aborted);
            }
        }

        if (cancel is null)
        {
            // Reference: "overlap from client" → 400 and the session closes.
            _server.LogOverlap(Id, "GET");
            Close("transport error");
            await exchange.RespondAsync(400, null, default).ConfigureAwait(false);
            return;
        }

        var batch = new List<EnginePacket>();
        var aborted = false;
        try
        {
            while (batch.Count == 0 && await _outbound.WaitToReadAsync(cancel.Token).ConfigureAwait(false))
            {
                while (TryDequeue(out var packet))
                {
                    batch.Add(packet);
                    if (packet.IsClose)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            if (exchange.Aborted.IsCancellationRequested)
            {
                aborted = true;
            }
            else
            {
                // The session upgraded while this GET waited: release it so the client can finish the upgrade.
                batch.Add(EnginePacket.Noop);
            }
        }
        finally
        {
            // Ended before answering: the client sends its next GET the moment it has this answer.
            EndPoll(cancel);
        }

        if (aborted)
        {
            // Reference: "poll connection closed prematurely".
            Close("transport error");
            return;
        }

        if (batch.Count == 0)
        {
            batch.Add(EnginePacket.Close);
        }

        try
        {
            await WritePayloadAsync(exchange, batch).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Close("transport error");
        }
    }

    private void EndPoll(CancellationTokenSource cancel)
    {
        lock (_gate)
        {
            _getPending = false;
            _pollCancel = null;
        }

        cancel.Dispose();
    }

    private static Task WritePayloadAsync(PollExchange exchange, List<EnginePacket> packets)
    {
        var body = new ArrayBufferWriter<byte>();
        PollingPayload.Encode(packets, body);
        return exchange.RespondAsync(200, "text/plain; charset=UTF-8", body.WrittenMemory, noStore: true);
    }

    /// <summary>A polling POST: reads a payload of packets (bounded by maxHttpBufferSize) and handles them in order.</summary>
    internal async Task HandlePostAsync(PollExchange exchange)
    {
        bool overlap;
        lock (_gate)
        {
            overlap = _postPending;
            _postPending = true;
        }

        if (overlap)
        {
            // Reference: "data request overlap from client" → 400 and the session closes.
            _server.LogOverlap(Id, "POST");
            Close("transport error");
            await exchange.RespondAsync(400, null, default).ConfigureAwait(false);
            return;
        }

        PostOutcome outcome;
        try
        {
            outcome = await ReceivePostAsync(exchange).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            outcome = PostOutcome.Aborted;
        }
        finally
        {
            // Ended before answering: the client sends its next POST the moment it has this answer.
            lock (_gate)
            {
                _postPending = false;
            }
        }

        try
        {
            switch (outcome)
            {
                case PostOutcome.Handled:
                    await exchange.RespondAsync(200, "text/html", Ok).ConfigureAwait(false);
                    return;
                case PostOutcome.TooLarge:
                    // As the reference server: 413, the body's packets are dropped, the session lives on.
                    await exchange.RespondAsync(413, null, default).ConfigureAwait(false);
                    return;
                case PostOutcome.Refused:
                    await exchange.RespondAsync(EngineIoError.BadRequest).ConfigureAwait(false);
                    return;
                case PostOutcome.Aborted:
                    // Reference: "data request connection closed prematurely".
                    Close("transport error");
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Close("transport error");
        }
    }

    private enum PostOutcome { Handled, TooLarge, Refused, Aborted }

    private static readonly byte[] Ok = "ok"u8.ToArray();

    /// <summary>Reads the POST's payload and handles its packets in order; answers nothing.</summary>
    private async Task<PostOutcome> ReceivePostAsync(PollExchange exchange)
    {
        if (exchange.ContentType is { } type && type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            // v4 sends binary as base64 in a text payload; a binary body is "invalid content".
            Close("transport error");
            return PostOutcome.Refused;
        }

        var max = _server.Options.MaxHttpBufferSize;
        var body = await exchange.ReadBodyAsync(max).ConfigureAwait(false);
        if (body is null)
        {
            _server.LogPayloadTooLarge(Id, max);
            return PostOutcome.TooLarge;
        }

        var packets = new List<DecodedPacket>();
        if (!PollingPayload.TryDecode(body, packets))
        {
            _server.LogProtocolViolation(Id, "malformed polling payload");
            Close("parse error");
            return PostOutcome.Refused;
        }

        // Handled before answering "ok", so whatever the handler queued is there for the next GET.
        foreach (var packet in packets)
        {
            if (!IsOpen)
            {
                break;
            }

            OnPacket(packet);
        }

        return PostOutcome.Handled;
    }

    /// <summary>Called once the WebSocket took over: a GET still waiting is answered with a noop.</summary>
    private void ReleasePendingPoll()
    {
        _pollCancel?.Cancel();
    }
}
