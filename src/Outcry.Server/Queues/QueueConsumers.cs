using Outcry.Core;
using Outcry.Core.Queues;
using Outcry.RabbitMq;
using Outcry.Redis;
using Outcry.Redis.Streams;
using Outcry.Server.Push;

namespace Outcry.Server.Queues;

/// <summary>
/// Runs the configured queue consumers for the host's lifetime: RabbitMQ queues ("Outcry:RabbitMq:Queues") and
/// Redis streams ("Outcry:Redis:Streams"), each publishing through the <see cref="Publisher"/> (docs/queues.md).
/// </summary>
internal sealed partial class QueueConsumers(IReadOnlyList<Func<CancellationToken, Task>> consumers) : BackgroundService
{
    /// <summary>Registers the consumers the configuration names, if any.</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<QueueMetrics>();
        var rabbitMq = configuration.GetSection("Outcry:RabbitMq").Get<RabbitMqOptions>() ?? new();
        var redis = configuration.GetSection("Outcry:Redis").Get<RedisOptions>() ?? new();
        Validate("Outcry:RabbitMq:Queues", rabbitMq.Queues);
        Validate("Outcry:Redis:Streams", redis.Streams);
        if (rabbitMq.Queues.Count == 0 && redis.Streams.Count == 0)
        {
            return;
        }

        services.AddHostedService(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<QueueConsumers>>();
            var publisher = sp.GetRequiredService<Publisher>();
            var metrics = sp.GetRequiredService<QueueMetrics>();
            QueueIngest Ingest(string transport, QueueBinding binding) => new(
                binding,
                metrics.For(transport, binding.Name),
                (publication, cancellationToken) => publisher.PublishAsync(publication, PublishSource.Queue, cancellationToken),
                (e, delay) => LogRetrying(logger, transport, binding.Name, delay.TotalMilliseconds, e.Message),
                sp.GetRequiredService<OutcryOptions>().Api.MaxBodyBytes);

            var consumers = new List<Func<CancellationToken, Task>>();
            foreach (var queue in rabbitMq.Queues)
            {
                consumers.Add(new RabbitMqConsumer(rabbitMq, Ingest("rabbitmq", queue), sp.GetRequiredService<ILogger<RabbitMqConsumer>>()).RunAsync);
            }

            foreach (var stream in redis.Streams)
            {
                consumers.Add(new RedisStreamConsumer(redis, Ingest("redis", stream), sp.GetRequiredService<ILogger<RedisStreamConsumer>>()).RunAsync);
            }

            return new QueueConsumers(consumers);
        });
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(consumers.Select(run => run(stoppingToken)));

    // A mistake in the configuration stops the start, with what to fix, rather than a consumer that never works.
    private static void Validate<T>(string section, List<T> bindings)
        where T : QueueBinding
    {
        for (var i = 0; i < bindings.Count; i++)
        {
            var binding = bindings[i];
            var problem = string.IsNullOrWhiteSpace(binding.Name) ? "Name is required"
                : bindings.Take(i).Any(b => b.Name == binding.Name) ? $"'{binding.Name}' is listed twice"
                : binding.Event is not null && RoomNames.Validate(binding.Event, "Event") is { } badEvent ? badEvent
                : binding.Room is not null && RoomNames.Validate(binding.Room, "Room") is { } badRoom ? badRoom
                : !binding.Namespace.StartsWith('/') ? "Namespace must start with '/'"
                : binding.Event is null && (binding.Room is not null || binding.Broadcast || binding.RoomFromRoutingKey || binding.Key is not null)
                    ? "Room, Broadcast, RoomFromRoutingKey and Key apply to plain bodies: set Event too, or leave them out (envelopes name their own target)"
                : null;
            if (problem is not null)
            {
                throw new InvalidOperationException($"{section}:{i}: {problem}");
            }
        }
    }

    [LoggerMessage(4201, LogLevel.Warning, "{Transport} queue {Queue}: the engine is unavailable ({Reason}); retrying the message in {DelayMs} ms, the queue waits")]
    private static partial void LogRetrying(ILogger logger, string transport, string queue, double delayMs, string reason);
}
