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
    internal async Task HandlePollAsync(HttpContext context)
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
                await EngineIoServer.WriteErrorAsync(context, EngineIoError.BadRequest).ConfigureAwait(false);
                return;
            }

            if (_probeAnswered)
            {
                await WritePayloadAsync(context, [EnginePacket.Noop]).ConfigureAwait(false);
                return;
            }
        }

        CancellationTokenSource? cancel = null;
        lock (_gate)
        {
            if (!_getPending)
            {
                _getPending = true;
                cancel = _pollCancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            }
        }

        if (cancel is null)
        {
            // Reference: "overlap from client" → 400 and the session closes.
            _server.LogOverlap(Id, "GET");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            Close("transport error");
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
            if (context.RequestAborted.IsCancellationRequested)
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
            await WritePayloadAsync(context, batch).ConfigureAwait(false);
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

    private static async Task WritePayloadAsync(HttpContext context, List<EnginePacket> packets)
    {
        var body = new ArrayBufferWriter<byte>();
        PollingPayload.Encode(packets, body);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=UTF-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A polling POST: reads a payload of packets (bounded by maxHttpBufferSize) and handles them in order.</summary>
    internal async Task HandlePostAsync(HttpContext context)
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
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            Close("transport error");
            return;
        }

        PostOutcome outcome;
        try
        {
            outcome = await ReceivePostAsync(context).ConfigureAwait(false);
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
                    var response = context.Response;
                    response.StatusCode = StatusCodes.Status200OK;
                    response.ContentType = "text/html";
                    response.ContentLength = 2;
                    await response.Body.WriteAsync("ok"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
                    return;
                case PostOutcome.TooLarge:
                    // As the reference server: 413, the body's packets are dropped, the session lives on.
                    context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                    return;
                case PostOutcome.Refused:
                    await EngineIoServer.WriteErrorAsync(context, EngineIoError.BadRequest).ConfigureAwait(false);
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

    /// <summary>Reads the POST's payload and handles its packets in order; answers nothing.</summary>
    private async Task<PostOutcome> ReceivePostAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType is { } type && type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            // v4 sends binary as base64 in a text payload; a binary body is "invalid content".
            Close("transport error");
            return PostOutcome.Refused;
        }

        var max = _server.Options.MaxHttpBufferSize;
        var body = await BoundedBody.ReadAsync(request, max, context.RequestAborted).ConfigureAwait(false);
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
