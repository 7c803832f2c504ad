using Outcry.Core.Queues;

namespace Outcry.Redis;

/// <summary>"Outcry:Redis": where Redis is, and the prefix of every key and channel Outcry uses there.</summary>
public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string: "host:port[,password=…][,ssl=true]…".</summary>
    public string Configuration { get; set; } = "localhost:6379";

    /// <summary>
    /// Prefix of Outcry's keys and channel. Nodes with the same prefix are one cluster; every key carries it as a
    /// hash tag, so a Redis Cluster keeps them in one slot and the scripts may touch several.
    /// </summary>
    public string Prefix { get; set; } = "outcry";

    /// <summary>
    /// How many of the latest publications (all rooms) Redis keeps for nodes whose subscription dropped for a moment:
    /// at 1,000 publications/s, 10,000 covers a 10 s gap.
    /// </summary>
    public int LogSize { get; set; } = 10_000;

    /// <summary>
    /// Whether nodes talk over sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7.0+) rather than classic pub/sub. On a
    /// Redis Cluster, classic messages travel to every shard of the cluster and a PUBLISH counts only the receivers
    /// on the shard it reached; sharded ones stay on the shard that holds Outcry's slot, where every node listens.
    /// Every node of one cluster must have the same value. The socket.io emitter's channels stay classic, as the
    /// emitter publishes there.
    /// </summary>
    public bool ShardedPubSub { get; set; }

    /// <summary>
    /// The key of the socket.io Redis emitter whose messages Outcry's clients receive (the emitter's and adapter's
    /// <c>key</c> option, "socket.io" by default); empty to ignore the emitter.
    /// </summary>
    public string EmitterKey { get; set; } = "socket.io";

    /// <summary>
    /// The Redis streams whose entries Outcry publishes (docs/queues.md), with the Redis engine or without it. Each is
    /// read through the consumer group <see cref="StreamGroup"/>, by one node at a time.
    /// </summary>
    public List<QueueBinding> Streams { get; set; } = [];

    public string StreamGroup { get; set; } = "outcry";
}
