using Microsoft.Extensions.Logging;
using Outcry.Core.Queues;
using StackExchange.Redis;

namespace Outcry.Redis.Streams;

/// <summary>
/// Consumes one Redis stream through a consumer group: each entry is published, then acked (XACK); an entry that
/// cannot be published is first added to the dead-letter stream with the reason. One node at a time reads a stream
/// (it holds a lease key), as one consumer of the group, so the stream's order is the rooms' order, and a node
/// taking over first reads the entries its predecessor read and never acked. An entry's publication id is its
/// <c>id</c> field, else the stream and the entry's id: a redelivery is a duplicate and reaches no client again.
/// </summary>
/// <remarks>
/// An entry: <c>XADD {stream} * body {envelope or data} [content_type application/json] [room 100] [id …] …</c>; the
/// fields other than body and content_type are its headers (docs/queues.md).
/// </remarks>
public sealed partial class RedisStreamConsumer(RedisOptions options, QueueIngest ingest, ILogger<RedisStreamConsumer> logger)
{
    // One consumer name for every node: the lease lets one node read at a time, and it inherits the pending entries.
    private const string Consumer = "outcry";
    private const int BatchSize = 100;
    private const int BlockMilliseconds = 2_000;
    private const int DeadLetterMaxLength = 100_000;
    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(2);

    // KEYS: lease. ARGV: node, ms. 1 when this node holds the lease (taken, or renewed), else 0.
    private const string HoldLease = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if holder then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;

    private const string ReleaseLease = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly QueueBinding _stream = ingest.Binding;
    private readonly string _node = Guid.NewGuid().ToString("N");

    private RedisKey Stream => _stream.Name;

    private RedisKey DeadLetterStream => _stream.DeadLetter is { Length: > 0 } name ? name : _stream.Name + ":dead";

    private RedisKey Lease => _stream.Name + ":lease";

    /// <summary>Consumes until <paramref name="stopping"/>, reconnecting with back-off, or standing by while another node reads.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        // A connection of its own, kept while standing by: XREADGROUP BLOCK holds the connection it is sent on until
        // entries come. It reconnects by itself; while Redis is away its calls fail at once and the loop backs off.
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        await QueueConsumerLoop.RunAsync(
            cancellationToken => ConsumeAsync(redis.GetDatabase(), cancellationToken),
            RenewInterval,
            () => LogStandingBy(logger, _stream.Name),
            (e, delay) => LogLost(logger, _stream.Name, delay.TotalMilliseconds, e.Message),
            stopping).ConfigureAwait(false);
    }

    // False when another node holds the lease; returns when the lease is lost, throws when Redis goes away.
    private async Task<bool> ConsumeAsync(IDatabase db, CancellationToken stopping)
    {
        if (!await HoldsLeaseAsync(db).ConfigureAwait(false))
        {
            return false;
        }

        using var holding = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var renewing = RenewAsync(db, holding);
        try
        {
            await CreateGroupAsync(db).ConfigureAwait(false);
            LogConsuming(logger, _stream.Name, options.StreamGroup);

            // First the entries read before and never acked (a node stopped or died holding them), then new ones.
            var position = "0";
            while (true)
            {
                holding.Token.ThrowIfCancellationRequested();
                var entries = await ReadAsync(db, position).ConfigureAwait(false);
                if (entries.Count == 0 && position == "0")
                {
                    position = ">";
                }

                foreach (var entry in entries)
                {
                    await HandleAsync(db, entry, redelivered: position == "0", holding.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            LogLeaseLost(logger, _stream.Name);
            return true;
        }
        finally
        {
            await holding.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            ingest.Counters.Lag = -1;
            try
            {
                // The next node need not wait for the lease to expire.
                await db.ScriptEvaluateAsync(ReleaseLease, [Lease], [_node]).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away: the lease expires by itself.
            }
        }
    }

    private async Task<bool> HoldsLeaseAsync(IDatabase db) =>
        (int)await db.ScriptEvaluateAsync(HoldLease, [Lease], [_node, (long)LeaseTime.TotalMilliseconds]).ConfigureAwait(false) == 1;

    // Renews the lease and refreshes the lag; cancels the consumer when the lease went to another node.
    private async Task RenewAsync(IDatabase db, CancellationTokenSource holding)
    {
        while (!holding.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewInterval, holding.Token).ConfigureAwait(false);
                if (!await HoldsLeaseAsync(db).ConfigureAwait(false))
                {
                    await holding.CancelAsync().ConfigureAwait(false);
                    return;
                }

                var group = (await db.StreamGroupInfoAsync(Stream).ConfigureAwait(false)).FirstOrDefault(g => g.Name == options.StreamGroup);
                ingest.Counters.Lag = (group.Lag ?? 0) + group.PendingMessageCount;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away: the reads fail too, and the consumer reconnects.
            }
        }
    }

    private async Task CreateGroupAsync(IDatabase db)
    {
        try
        {
            // From the stream's start: entries added while no Outcry ran are delivered, not skipped.
            await db.StreamCreateConsumerGroupAsync(Stream, options.StreamGroup, StackExchange.Redis.StreamPosition.Beginning, createStream: true)
                .ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // it exists: the group remembers where it is
        }
    }

    // XREADGROUP GROUP g outcry COUNT n [BLOCK ms] STREAMS key id → [[key, [[id, [field, value, …] | nil], …]]] | nil
    private async Task<List<(RedisValue Id, RedisResult[]? Fields)>> ReadAsync(IDatabase db, string position)
    {
        object[] args = position == ">"
            ? ["GROUP", options.StreamGroup, Consumer, "COUNT", BatchSize, "BLOCK", BlockMilliseconds, "STREAMS", Stream, position]
            : ["GROUP", options.StreamGroup, Consumer, "COUNT", BatchSize, "STREAMS", Stream, position];
        var reply = await db.ExecuteAsync("XREADGROUP", args).ConfigureAwait(false);
        var entries = new List<(RedisValue, RedisResult[]?)>();
        if (reply.IsNull)
        {
            return entries;
        }

        foreach (var stream in (RedisResult[])reply!)
        {
            foreach (var entry in (RedisResult[])((RedisResult[])stream!)[1]!)
            {
                var parts = (RedisResult[])entry!;
                entries.Add(((RedisValue)parts[0], parts[1].IsNull ? null : (RedisResult[])parts[1]!));
            }
        }

        return entries;
    }

    private async Task HandleAsync(IDatabase db, (RedisValue Id, RedisResult[]? Fields) entry, bool redelivered, CancellationToken cancellationToken)
    {
        if (entry.Fields is null)
        {
            // Deleted from the stream (XDEL, trimming) after it was read: nothing to publish.
            await db.StreamAcknowledgeAsync(Stream, options.StreamGroup, entry.Id).ConfigureAwait(false);
            return;
        }

        var body = RedisValue.Null;
        string? contentType = null;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < entry.Fields.Length; i += 2)
        {
            var (name, value) = ((string)entry.Fields[i]!, (RedisValue)entry.Fields[i + 1]);
            switch (name)
            {
                case "body":
                    body = value;
                    break;
                case "content_type":
                    contentType = value;
                    break;
                default:
                    headers[name] = value!;
                    break;
            }
        }

        var message = new QueueMessage((byte[]?)body ?? [], contentType, RoutingKey: null, headers, headers.GetValueOrDefault("id") ?? $"{_stream.Name}/{entry.Id}", redelivered);
        var outcome = body.IsNull
            ? ingest.Reject("the entry has no 'body' field")
            : await ingest.HandleAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Result == QueueResult.DeadLettered)
        {
            var dead = new List<NameValueEntry> { new("reason", outcome.Reason), new("stream", _stream.Name), new("entry", entry.Id) };
            for (var i = 0; i + 1 < entry.Fields.Length; i += 2)
            {
                dead.Add(new((RedisValue)entry.Fields[i], (RedisValue)entry.Fields[i + 1]));
            }

            await db.StreamAddAsync(DeadLetterStream, [.. dead], maxLength: DeadLetterMaxLength, useApproximateMaxLength: true).ConfigureAwait(false);
            LogDeadLettered(logger, _stream.Name, entry.Id.ToString(), DeadLetterStream.ToString(), outcome.Reason);
        }

        await db.StreamAcknowledgeAsync(Stream, options.StreamGroup, entry.Id).ConfigureAwait(false);
    }

    [LoggerMessage(4101, LogLevel.Information, "Consuming Redis stream {Stream} (group {Group})")]
    private static partial void LogConsuming(ILogger logger, string stream, string group);

    [LoggerMessage(4102, LogLevel.Warning, "Redis stream {Stream}: not consuming ({Reason}); trying again in {DelayMs} ms")]
    private static partial void LogLost(ILogger logger, string stream, double delayMs, string reason);

    [LoggerMessage(4103, LogLevel.Information, "Redis stream {Stream} is read by another node: standing by to take over")]
    private static partial void LogStandingBy(ILogger logger, string stream);

    [LoggerMessage(4104, LogLevel.Warning, "Redis stream {Stream}: entry {Entry} was dead-lettered to {DeadLetterStream}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string stream, string entry, string deadLetterStream, string? reason);

    [LoggerMessage(4105, LogLevel.Warning, "Redis stream {Stream}: another node took the lease; standing by")]
    private static partial void LogLeaseLost(ILogger logger, string stream);
}
