namespace Outcry.Core.Queues;

/// <summary>
/// A message as a queue delivers it, whichever the queue: its body, content type, routing key, its string headers
/// (<c>room</c>, <c>user</c>, <c>event</c>, <c>id</c>, <c>key</c> are read), the producer's message id, and whether
/// the queue delivered it before.
/// </summary>
public readonly record struct QueueMessage(
    ReadOnlyMemory<byte> Body,
    string? ContentType = null,
    string? RoutingKey = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? MessageId = null,
    bool Redelivered = false)
{
    public string? Header(string name) => Headers is not null && Headers.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
