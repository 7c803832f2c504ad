using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>
/// The names of Outcry's keys. A room's keys carry its namespace's length, so "/a:b" + "c" and "/a" + "b:c" differ.
/// </summary>
internal sealed class RedisKeys(RedisOptions options)
{
    private readonly string _tag = "{" + options.Prefix + "}";

    /// <summary>The command that publishes on Outcry's channels, for the scripts (see <see cref="RedisOptions.ShardedPubSub"/>).</summary>
    public string PublishCommand => options.ShardedPubSub ? "SPUBLISH" : "PUBLISH";

    /// <summary>The history's epoch: a new random one whenever Redis lost it (restart without persistence, flush).</summary>
    public RedisKey Epoch => _tag + ":epoch";

    /// <summary>The sequence of the last publication given a position.</summary>
    public RedisKey Sequence => _tag + ":seq";

    /// <summary>The highest sequence lost with a room's history that the sweep removed (see <see cref="Rooms"/>).</summary>
    public RedisKey Removed => _tag + ":removed";

    /// <summary>Sorted set of rooms with history, scored by when their last entry expires (unix ms).</summary>
    public RedisKey Rooms => _tag + ":rooms";

    /// <summary>The last publications of all rooms, by sequence (<see cref="RedisOptions.LogSize"/>).</summary>
    public RedisKey Log => _tag + ":log";

    /// <summary>The channel every node subscribes to: one, so that all nodes see publications in position order.</summary>
    public RedisChannel Channel => OutcryChannel(":pub");

    /// <summary>Connection commands for every node (<see cref="RedisClusterCommands"/>).</summary>
    public RedisChannel Commands => OutcryChannel(":cmd");

    /// <summary>Where a node receives the answers to its commands.</summary>
    public RedisChannel Answers(string node) => OutcryChannel(":answer:" + node);

    /// <summary>The prefix the sweep script puts before a <see cref="Room"/> name to find its keys.</summary>
    public string RoomKeyPrefix => _tag + ":";

    /// <summary>A room's name in <see cref="Rooms"/>; its keys are this with ":h" (history), ":m" (meta), ":s" (state).</summary>
    public static string Room(string ns, string room) => $"{ns.Length}:{ns}:{room}";

    public RedisKey History(string room) => RoomKeyPrefix + room + ":h";

    public RedisKey Meta(string room) => RoomKeyPrefix + room + ":m";

    public RedisKey State(string room) => RoomKeyPrefix + room + ":s";

    /// <summary>A publication's id, remembered for the id window with the position it was given.</summary>
    public RedisKey PublicationId(string id) => _tag + ":id:" + id;

    public RedisKey Recovery(string pid) => _tag + ":rec:" + pid;

    /// <summary>A live connection's recovery session, with its node's id (see <see cref="RedisRecoveryStore"/>).</summary>
    public RedisKey LiveRecovery(string pid) => _tag + ":live:" + pid;

    /// <summary>A room's connections (id → user, "" when anonymous).</summary>
    public RedisKey PresenceConnections(string room) => RoomKeyPrefix + room + ":pc";

    /// <summary>A room's users (id → how many of its connections are in the room).</summary>
    public RedisKey PresenceUsers(string room) => RoomKeyPrefix + room + ":pu";

    /// <summary>Sorted set of nodes, scored by their last heartbeat (unix ms).</summary>
    public RedisKey Nodes => _tag + ":nodes";

    /// <summary>What a node added to presence (JSON <c>[room, connection, user]</c>), so its entries go when it dies.</summary>
    public RedisKey NodePresence(string node) => _tag + ":node:" + node + ":p";

    // With the hash tag, a sharded channel lives in the slot of Outcry's keys: the publish script may publish on it.
    private RedisChannel OutcryChannel(string name) =>
        options.ShardedPubSub ? RedisChannel.Sharded(_tag + name) : RedisChannel.Literal(_tag + name);
}
