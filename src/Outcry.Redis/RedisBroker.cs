using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Outcry.Core;
using StackExchange.Redis;
using StreamPosition = Outcry.Core.StreamPosition;

namespace Outcry.Redis;

/// <summary>
/// The broker across nodes. A publish is one script (<see cref="RedisHistoryStore.AppendAsync"/>): it assigns the
/// position, keeps the publication in its rooms and in a short global log, and publishes it on the one channel every
/// node subscribes to. Each node hands what arrives to its local sink in sequence order; when it sees a sequence
/// skipped (its subscription dropped for a moment), it first fetches the missing ones from the log, so no node
/// silently misses a publication. The publishing node answers its caller once its own copy was delivered locally.
/// </summary>
public sealed partial class RedisBroker : IBroker, IDisposable
{
    // Local delivery takes well under a millisecond; past this the caller is answered without the local count.
    private static readonly TimeSpan EchoWait = TimeSpan.FromSeconds(1);
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisHistoryStore _history;
    private readonly IPublicationSink _sink;
    private readonly ILogger _logger;
    private readonly string _node;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<int>> _calls = new();
    private readonly SemaphoreSlim _order = new(1, 1);
    private readonly ResilientSubscription _subscription;
    private readonly Action? _onLost;
    private long _nextCall;
    private long _catchUps; // the latest catch-up; an earlier one still retrying gives way to it
    private long _lastSequence = -1; // -1: nothing delivered yet
    private string? _epoch; // known once subscribed, so that a new one is noticed even before anything is delivered

    /// <param name="node">This node's id, new at every start (<see cref="NewNodeId"/>).</param>
    /// <param name="onLost">
    /// Called when publications this node missed are no longer in the log, or Redis lost its data (a new epoch): the
    /// host closes its connections then, so their clients reconnect and recover what they missed from the history (or
    /// learn that they cannot, and get the current state).
    /// </param>
    public RedisBroker(IConnectionMultiplexer redis, RedisHistoryStore history, IPublicationSink sink, string node, ILogger<RedisBroker> logger, Action? onLost = null)
    {
        _node = node;
        _onLost = onLost;
        _redis = redis;
        _history = history;
        _sink = sink;
        _logger = logger;
        _subscription = new ResilientSubscription(redis, history.Keys.Channel, OnMessageAsync, subscribed: () => _ = CatchUpAsync());
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                _ = CatchUpAsync();
            }
        };
    }

    public static string NewNodeId() => StreamPosition.NewEpoch();

    public async ValueTask<PublishResult> PublishAsync(Publication publication, CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _nextCall);
        var delivered = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[call] = delivered;
        StreamPosition? position;
        try
        {
            (position, var duplicate) = await _history.AppendAsync(publication, PublicationCodec.Tail(publication, _node, call)).ConfigureAwait(false);
            if (duplicate)
            {
                _calls.TryRemove(call, out _);
                return new PublishResult(position, 0, Duplicate: true);
            }
        }
        catch (EngineUnavailableException e)
        {
            _calls.TryRemove(call, out _);
            if (publication.Volatile)
            {
                // Nothing to keep: this node's connections still get it.
                return new PublishResult(null, _sink.Deliver(publication with { Time = DateTimeOffset.UtcNow }));
            }

            LogUnavailable(_logger, e.Message);
            throw new EngineUnavailableException("Redis is unreachable: the publication was not accepted", e.InnerException);
        }

        // While the subscription is coming back, this node gets its copy with the catch-up, later: no waiting.
        if (_redis.GetSubscriber().IsConnected(_history.Keys.Channel))
        {
            try
            {
                return new PublishResult(position, await delivered.Task.WaitAsync(EchoWait, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // answered below, without the local count
            }
        }

        // Kept and published; this node's copy is late (it will still be delivered, in order).
        _calls.TryRemove(call, out _);
        return new PublishResult(position, 0);
    }

    public void Dispose()
    {
        Interlocked.Increment(ref _catchUps); // ends a catch-up still retrying
        _subscription.Dispose();
    }

    private async Task OnMessageAsync(ChannelMessage message)
    {
        var payload = (byte[])message.Message!;
        if (PublicationCodec.Read(payload, out var origin, out var call) is not { } publication)
        {
            LogUnreadable(_logger, payload.Length);
            return;
        }

        await _order.WaitAsync().ConfigureAwait(false);
        try
        {
            if (publication.Position is { } position)
            {
                await FillGapAsync(position).ConfigureAwait(false);
                if (position.Epoch == _epoch && position.Sequence <= _lastSequence)
                {
                    return; // already delivered by a catch-up
                }

                (_epoch, _lastSequence) = (position.Epoch, position.Sequence);
            }

            Deliver(publication, origin, call);
        }
        finally
        {
            _order.Release();
        }
    }

    // Once subscribed, the epoch; after the subscription came back, whatever was published meanwhile (in the log).
    // The subscription may come back before the connection that runs commands: the catch-up is then retried with
    // back-off, or a new epoch would go unnoticed (and its clients uninformed) until the next publication.
    private async Task CatchUpAsync()
    {
        var catchUp = Interlocked.Increment(ref _catchUps);
        for (var delay = Backoff.First; Interlocked.Read(ref _catchUps) == catchUp; delay = Backoff.Next(delay))
        {
            try
            {
                var latest = await _history.LatestAsync().ConfigureAwait(false);
                await _order.WaitAsync().ConfigureAwait(false);
                try
                {
                    if (_epoch is null)
                    {
                        _epoch = latest.Epoch;
                        return;
                    }

                    await FillGapAsync(latest with { Sequence = latest.Sequence + 1 }).ConfigureAwait(false);
                    return;
                }
                finally
                {
                    _order.Release();
                }
            }
            catch (EngineUnavailableException e)
            {
                LogUnavailable(_logger, e.Message);
            }

            await Task.Delay(delay).ConfigureAwait(false);
        }
    }

    // Delivers, from the log, the publications between the last one delivered and `next` (under _order).
    private async Task FillGapAsync(StreamPosition next)
    {
        if (_epoch is not null && next.Epoch != _epoch)
        {
            // Redis lost its data: what was in flight is gone, and every connection's offsets are of the old epoch
            // (a socket would even skip the new epoch's low positions). Their clients reconnect and learn it
            // (recovered === false, with the current state); this node fills the new epoch from its start.
            LogNewEpoch(_logger, _epoch, next.Epoch);
            _onLost?.Invoke();
            (_epoch, _lastSequence) = (next.Epoch, 0);
        }

        if (_epoch is null || _lastSequence < 0)
        {
            return; // nothing delivered yet: nothing to fill from
        }

        if (next.Sequence <= _lastSequence + 1)
        {
            return;
        }

        List<Publication> missed;
        try
        {
            missed = await _history.LogAsync(_lastSequence, next.Sequence).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            // What arrived is still delivered; the gap is reported below.
            LogUnavailable(_logger, e.Message);
            missed = [];
        }

        if (missed.Count < next.Sequence - _lastSequence - 1)
        {
            LogLostFromLog(_logger, next.Sequence - _lastSequence - 1 - missed.Count);
            _onLost?.Invoke();
        }

        foreach (var publication in missed)
        {
            _lastSequence = publication.Position!.Value.Sequence;
            Deliver(publication, null, 0);
        }
    }

    private void Deliver(Publication publication, string? origin, long call)
    {
        var recipients = _sink.Deliver(publication);
        if (origin == _node && _calls.TryRemove(call, out var caller))
        {
            caller.TrySetResult(recipients);
        }
    }

    [LoggerMessage(501, LogLevel.Warning, "Redis unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(502, LogLevel.Warning, "Ignored a message of {Length} bytes on Outcry's channel that is not a publication")]
    private static partial void LogUnreadable(ILogger logger, int length);

    [LoggerMessage(503, LogLevel.Warning, "The history's epoch changed from {Old} to {New}: Redis lost its data; this node's connections are closed, so that their clients learn it and get the current state")]
    private static partial void LogNewEpoch(ILogger logger, string old, string @new);

    [LoggerMessage(504, LogLevel.Error, "{Count} publications were missed by this node's subscription and are no longer in the log: its connections are closed, so that their clients recover from the history")]
    private static partial void LogLostFromLog(ILogger logger, long count);
}
