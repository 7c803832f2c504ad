using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Outcry.Core;
using Outcry.Core.Queues;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Outcry.RabbitMq;

/// <summary>
/// Consumes one RabbitMQ queue: each message is published, then acked; a message that cannot be published is first
/// put on the dead-letter queue with the reason (<c>x-outcry-reason</c>), then acked. The consumer is exclusive, so
/// of several Outcry nodes one consumes a queue at a time, in its order, and another takes over when it goes away.
/// Unacked messages of a node that stops or dies are delivered again; their ids make that harmless.
/// </summary>
public sealed partial class RabbitMqConsumer(RabbitMqOptions options, QueueIngest ingest, ILogger<RabbitMqConsumer> logger)
{
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(2);

    private readonly RabbitMqQueue _queue = (RabbitMqQueue)ingest.Binding;

    /// <summary>Consumes until <paramref name="stopping"/>, reconnecting with back-off whenever RabbitMQ goes away.</summary>
    public Task RunAsync(CancellationToken stopping) => QueueConsumerLoop.RunAsync(
        ConsumeAsync,
        Backoff.Longest,
        () => LogStandingBy(logger, _queue.Name),
        (e, delay) => LogLost(logger, _queue.Name, delay.TotalMilliseconds, e.Message),
        stopping);

    // False when another node consumes the queue (its exclusive consumer); throws when the channel or connection ends.
    private async Task<bool> ConsumeAsync(CancellationToken stopping)
    {
        // Ends the message in hand when the channel goes (say, retrying while the engine is away): RabbitMQ delivers
        // it again on the next channel, and two of this node's handlers must never work on the queue at once.
        using var consuming = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var factory = new ConnectionFactory
        {
            Uri = new Uri(options.Uri),
            ClientProvidedName = $"outcry {Environment.MachineName} {_queue.Name}",
            AutomaticRecoveryEnabled = false, // RunAsync reconnects, and declares and consumes again
        };
        await using var connection = await factory.CreateConnectionAsync(stopping).ConfigureAwait(false);
        await DeclareAsync(connection, _queue.Name, _queue.Durable, stopping).ConfigureAwait(false);
        await DeclareAsync(connection, _queue.DeadLetterQueue, durable: true, stopping).ConfigureAwait(false);

        // Confirms make a dead-letter publish complete only once RabbitMQ has it; one dispatch at a time keeps order.
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, consumerDispatchConcurrency: 1),
            stopping).ConfigureAwait(false);
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.ChannelShutdownAsync += async (_, e) =>
        {
            closed.TrySetResult(e.ReplyText);
            await consuming.CancelAsync().ConfigureAwait(false);
        };
        await channel.BasicQosAsync(0, options.Prefetch, global: false, stopping).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery, consuming.Token);
        try
        {
            await channel.BasicConsumeAsync(_queue.Name, autoAck: false, consumerTag: "", noLocal: false, exclusive: true, arguments: null, consumer, stopping)
                .ConfigureAwait(false);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.AccessRefused)
        {
            return false;
        }

        LogConsuming(logger, _queue.Name, options.Prefetch);

        try
        {
            while (true)
            {
                ingest.Counters.Lag = await channel.MessageCountAsync(_queue.Name, stopping).ConfigureAwait(false);
                var tick = Task.Delay(LagInterval, stopping);
                if (await Task.WhenAny(closed.Task, tick).ConfigureAwait(false) == closed.Task)
                {
                    throw new IOException("the channel was closed: " + await closed.Task.ConfigureAwait(false));
                }

                await tick.ConfigureAwait(false);
            }
        }
        finally
        {
            ingest.Counters.Lag = -1;
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken consuming)
    {
        var properties = delivery.BasicProperties;
        var message = new QueueMessage(delivery.Body, properties.ContentType, delivery.RoutingKey, Headers(properties.Headers), properties.MessageId, delivery.Redelivered);
        QueueOutcome outcome;
        try
        {
            outcome = await ingest.HandleAsync(message, consuming).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stopping, or the channel went: left unacked, RabbitMQ delivers it again
        }

        if (outcome.Result == QueueResult.DeadLettered)
        {
            var dead = new BasicProperties
            {
                ContentType = properties.ContentType,
                ContentEncoding = properties.ContentEncoding,
                MessageId = properties.MessageId,
                Persistent = true,
                Headers = new Dictionary<string, object?>(properties.Headers ?? new Dictionary<string, object?>())
                {
                    ["x-outcry-reason"] = outcome.Reason,
                    ["x-outcry-queue"] = _queue.Name,
                    ["x-outcry-routing-key"] = delivery.RoutingKey,
                },
            };
            await channel.BasicPublishAsync("", _queue.DeadLetterQueue, mandatory: false, dead, delivery.Body, CancellationToken.None).ConfigureAwait(false);
            LogDeadLettered(logger, _queue.Name, _queue.DeadLetterQueue, outcome.Reason);
        }

        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
    }

    // An existing queue is used as it is (declaring it with other arguments would fail); a missing one is created.
    private static async Task DeclareAsync(IConnection connection, string queue, bool durable, CancellationToken cancellationToken)
    {
        await using (var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await probe.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                // the probe's channel is closed by the 404
            }
        }

        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(queue, durable, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }

    // AMQP header values: strings arrive as UTF-8 bytes; numbers are read as written.
    private static Dictionary<string, string>? Headers(IDictionary<string, object?>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var strings = new Dictionary<string, string>(headers.Count, StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var text = value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                string s => s,
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                _ => null,
            };
            if (text is not null)
            {
                strings[name] = text;
            }
        }

        return strings;
    }

    [LoggerMessage(4001, LogLevel.Information, "Consuming RabbitMQ queue {Queue} (prefetch {Prefetch})")]
    private static partial void LogConsuming(ILogger logger, string queue, ushort prefetch);

    [LoggerMessage(4002, LogLevel.Warning, "RabbitMQ queue {Queue}: not consuming ({Reason}); trying again in {DelayMs} ms")]
    private static partial void LogLost(ILogger logger, string queue, double delayMs, string reason);

    [LoggerMessage(4003, LogLevel.Information, "RabbitMQ queue {Queue} is consumed by another node: standing by to take over")]
    private static partial void LogStandingBy(ILogger logger, string queue);

    [LoggerMessage(4004, LogLevel.Warning, "RabbitMQ queue {Queue}: a message was dead-lettered to {DeadLetterQueue}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string queue, string deadLetterQueue, string? reason);
}
