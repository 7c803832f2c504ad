using System.Collections.Concurrent;

namespace Outcry.Core.Queues;

/// <summary>One consumed queue's counters, for /metrics: messages by outcome, redeliveries, retries, and its lag.</summary>
public sealed class QueueCounters(string transport, string queue)
{
    public long ConsumedTotal;
    public long PublishedTotal;
    public long DuplicatesTotal;
    public long DeadLetteredTotal;
    public long RedeliveredTotal;
    public long RetriesTotal;

    /// <summary>Messages waiting in the queue (not yet delivered to Outcry, or delivered and not acked); -1 until known.</summary>
    public long Lag = -1;

    /// <summary>"rabbitmq" or "redis".</summary>
    public string Transport => transport;

    public string Queue => queue;
}

/// <summary>Every consumed queue's counters, one set per queue whichever consumer reads it.</summary>
public sealed class QueueMetrics
{
    private readonly ConcurrentDictionary<(string, string), QueueCounters> _queues = new();

    public QueueCounters For(string transport, string queue) => _queues.GetOrAdd((transport, queue), k => new QueueCounters(k.Item1, k.Item2));

    public IEnumerable<QueueCounters> All => _queues.Values.OrderBy(c => c.Transport, StringComparer.Ordinal).ThenBy(c => c.Queue, StringComparer.Ordinal);
}
