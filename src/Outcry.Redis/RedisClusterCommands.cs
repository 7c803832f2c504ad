using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>
/// Connection commands for every node: the command goes out on one channel, every node runs it on its own
/// connections and answers how many it selected on the sender's reply channel. PUBLISH tells how many nodes received
/// the command, so the sender waits for exactly that many answers (at most <see cref="AnswerWait"/>).
/// </summary>
public sealed partial class RedisClusterCommands : IClusterCommands, IDisposable
{
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly IConnectionCommands _local;
    private readonly ILogger _logger;
    private readonly string _node;
    private readonly RedisKeys _keys;
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private readonly ResilientSubscription[] _subscriptions;
    private long _nextId;

    public RedisClusterCommands(IConnectionMultiplexer redis, RedisOptions options, IConnectionCommands local, string node, ILogger<RedisClusterCommands> logger)
    {
        _redis = redis;
        _local = local;
        _logger = logger;
        _node = node;
        _keys = new RedisKeys(options);
        _subscriptions =
        [
            new ResilientSubscription(redis, _keys.Commands, OnCommandAsync),
            new ResilientSubscription(redis, _keys.Answers(node), OnAnswer),
        ];
    }

    public async Task<int> RunAsync(ConnectionCommand command, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var pending = new Pending();
        _pending[id] = pending;
        try
        {
            var message = JsonSerializer.SerializeToUtf8Bytes(new Envelope(_node, id, command), RedisCall.OmitDefaults);
            var nodes = await RedisCall.Reachable(_redis.GetSubscriber().PublishAsync(_keys.Commands, message)).ConfigureAwait(false);
            if (nodes == 0)
            {
                // Not even this node is listening yet (Redis just came back): this node's connections at least.
                return _local.Run(command);
            }

            pending.Expect((int)nodes);
            try
            {
                await pending.Done.Task.WaitAsync(AnswerWait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogMissingAnswers(_logger, command.Kind, pending.Answers, nodes);
            }

            return pending.Total;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private async Task OnCommandAsync(ChannelMessage message)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>((byte[])message.Message!, RedisCall.OmitDefaults);
        }
        catch (JsonException e)
        {
            LogUnreadable(_logger, e.Message);
            return;
        }

        if (envelope?.Command is not { } command)
        {
            return;
        }

        var count = _local.Run(command);
        try
        {
            await _redis.GetSubscriber().PublishAsync(_keys.Answers(envelope.From), JsonSerializer.SerializeToUtf8Bytes(new Answer(envelope.Id, count))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnreadable(_logger, "could not answer: " + e.Message);
        }
    }

    private Task OnAnswer(ChannelMessage message)
    {
        try
        {
            var answer = JsonSerializer.Deserialize<Answer>((byte[])message.Message!);
            if (answer is not null && _pending.TryGetValue(answer.Id, out var pending))
            {
                pending.Add(answer.Count);
            }
        }
        catch (JsonException e)
        {
            LogUnreadable(_logger, e.Message);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(701, LogLevel.Warning, "Connection command {Kind}: {Answered} of {Nodes} nodes answered in time")]
    private static partial void LogMissingAnswers(ILogger logger, ConnectionCommandKind kind, int answered, long nodes);

    [LoggerMessage(702, LogLevel.Warning, "Connection command channel: {Why}")]
    private static partial void LogUnreadable(ILogger logger, string why);

    private sealed record Envelope(string From, long Id, ConnectionCommand Command);

    private sealed record Answer(long Id, int Count);

    // The answers to one command; answers may come before the sender knows how many to expect.
    private sealed class Pending
    {
        private readonly Lock _gate = new();
        private int _expected = int.MaxValue;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Answers { get; private set; }

        public int Total { get; private set; }

        public void Expect(int nodes)
        {
            lock (_gate)
            {
                _expected = nodes;
                Check();
            }
        }

        public void Add(int count)
        {
            lock (_gate)
            {
                Answers++;
                Total += count;
                Check();
            }
        }

        private void Check()
        {
            if (Answers >= _expected)
            {
                Done.TrySetResult();
            }
        }
    }
}
