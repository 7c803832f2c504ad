namespace Outcry.Core.Queues;

/// <summary>
/// One queue (RabbitMQ) or stream (Redis) Outcry consumes, and how its messages become publications. Without an
/// <see cref="Event"/>, every body is a publish envelope, as <c>POST /api/publish</c> takes. With one, bodies are plain
/// data, published as that event to the target the message's headers, its routing key or this binding names.
/// </summary>
public class QueueBinding
{
    /// <summary>The queue or stream to consume.</summary>
    public string Name { get; set; } = "";

    /// <summary>Where messages that cannot be published go, with the reason; unset: the consumer's default (docs/queues.md).</summary>
    public string? DeadLetter { get; set; }

    /// <summary>Plain bodies are published as this event (a message's <c>event</c> header overrides it).</summary>
    public string? Event { get; set; }

    /// <summary>The room plain bodies go to, unless a message names one (its <c>room</c> or <c>user</c> header).</summary>
    public string? Room { get; set; }

    /// <summary>A plain message's routing key names its room (a topic exchange's <c>lot.100</c>), before <see cref="Room"/>.</summary>
    public bool RoomFromRoutingKey { get; set; }

    /// <summary>Plain bodies that name no room go to everyone (seed 002's queue <c>socket.io</c> → event <c>news</c>).</summary>
    public bool Broadcast { get; set; }

    public string Namespace { get; set; } = "/";

    /// <summary>Plain bodies are the rooms' current state under this key (e.g. <c>lot</c>).</summary>
    public string? Key { get; set; }

    /// <summary>How a plain body without a content type is read: <c>text/plain</c> (a string) or <c>application/json</c>.</summary>
    public string DefaultContentType { get; set; } = "text/plain";
}
