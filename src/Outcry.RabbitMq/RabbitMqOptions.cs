using Outcry.Core.Queues;

namespace Outcry.RabbitMq;

/// <summary>"Outcry:RabbitMq": the broker to consume from and the queues to consume (docs/queues.md).</summary>
public sealed class RabbitMqOptions
{
    public string Uri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>Messages RabbitMQ hands over before the first is acked: they are still published one at a time, in order.</summary>
    public ushort Prefetch { get; set; } = 100;

    public List<RabbitMqQueue> Queues { get; set; } = [];
}

/// <summary>A consumed queue; its dead letters go to the queue <see cref="QueueBinding.DeadLetter"/>, by default <c>{Name}.dead</c>.</summary>
public sealed class RabbitMqQueue : QueueBinding
{
    /// <summary>
    /// How Outcry declares the queue (and its dead-letter queue) when missing. A queue that exists is used as it is:
    /// declare it as its producers do (seed 002's <c>queue_declare(queue='socket.io')</c> is not durable).
    /// </summary>
    public bool Durable { get; set; } = true;

    public string DeadLetterQueue => DeadLetter is { Length: > 0 } name ? name : Name + ".dead";
}
