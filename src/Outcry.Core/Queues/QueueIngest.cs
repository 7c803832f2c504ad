namespace Outcry.Core.Queues;

/// <summary>
/// What a consumer does with each message of one queue, one message at a time so that the queue's order is the
/// rooms' order: read it, publish it (kept in history and fanned out), and only then let the consumer ack it. A
/// message that cannot be a publication is to be dead-lettered with the reason; while the engine is unavailable the
/// same message is retried with back-off, holding the queue rather than reordering it. With an id, a redelivery of a
/// message already published is a duplicate and reaches no client again.
/// </summary>
public sealed class QueueIngest(
    QueueBinding binding,
    QueueCounters counters,
    Func<Publication, CancellationToken, ValueTask<PublishResult>> publish,
    Action<EngineUnavailableException, TimeSpan>? retrying = null,
    int maxBodyBytes = int.MaxValue)
{
    public QueueBinding Binding => binding;

    public QueueCounters Counters => counters;

    /// <summary>
    /// Publishes <paramref name="message"/> or decides it is dead; throws <see cref="OperationCanceledException"/> when
    /// stopped first (the message is then left unacked for the queue to deliver again).
    /// </summary>
    public async ValueTask<QueueOutcome> HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref counters.ConsumedTotal);
        if (message.Redelivered)
        {
            Interlocked.Increment(ref counters.RedeliveredTotal);
        }

        if (message.Body.Length > maxBodyBytes)
        {
            // As the HTTP API refuses a body over Outcry:Api:MaxBodyBytes: one huge message must not reach every client.
            return DeadLetter($"the body is {message.Body.Length} bytes, more than the {maxBodyBytes} allowed (Outcry:Api:MaxBodyBytes)");
        }

        var publication = QueueMessageReader.Read(binding, message, out var reason);
        if (publication is null)
        {
            return DeadLetter(reason);
        }

        var delay = Backoff.First;
        while (true)
        {
            try
            {
                var result = await publish(publication, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref result.Duplicate ? ref counters.DuplicatesTotal : ref counters.PublishedTotal);
                return new QueueOutcome(result.Duplicate ? QueueResult.Duplicate : QueueResult.Published);
            }
            catch (EngineUnavailableException e)
            {
                Interlocked.Increment(ref counters.RetriesTotal);
                retrying?.Invoke(e, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Backoff.Next(delay);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not the engine being away: retrying would hold the queue forever, so it is dead with the reason.
                return DeadLetter("publishing failed: " + e.Message);
            }
        }
    }

    /// <summary>A message the consumer found dead before it could be read (an entry without a body): counted, to be dead-lettered.</summary>
    public QueueOutcome Reject(string reason)
    {
        Interlocked.Increment(ref counters.ConsumedTotal);
        return DeadLetter(reason);
    }

    private QueueOutcome DeadLetter(string reason)
    {
        Interlocked.Increment(ref counters.DeadLetteredTotal);
        return new QueueOutcome(QueueResult.DeadLettered, reason);
    }
}

/// <summary>What became of a message: the consumer acks it in every case, after dead-lettering it for the last.</summary>
public readonly record struct QueueOutcome(QueueResult Result, string? Reason = null);

public enum QueueResult
{
    Published,

    /// <summary>Its id was published within the window already (a redelivery): nothing sent again.</summary>
    Duplicate,

    DeadLettered,
}
