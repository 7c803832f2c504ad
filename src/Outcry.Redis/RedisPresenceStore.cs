using System.Text.Json;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>
/// Presence shared by every node: per room a hash of connections (id → user) and a hash of users (id → their
/// connections in the room). Each node also lists what it added and beats a heartbeat; when a node stops beating
/// (it crashed, or lost Redis for longer than <see cref="DeadAfter"/>), any other node removes its entries, so a dead
/// node's connections vanish from every count.
/// </summary>
public sealed class RedisPresenceStore : IPresenceStore, IDisposable
{
    public static readonly TimeSpan BeatEvery = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(30);

    // KEYS: connections, users, node's list, nodes. ARGV: connection, user ('' anonymous), list entry, now, node.
    // A node is listed from its first join, so its entries go even if it dies before its first heartbeat.
    private const string JoinScript = """
        redis.call('ZADD', KEYS[4], 'NX', ARGV[4], ARGV[5])
        local changed = 0
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 and ARGV[2] ~= '' then
          if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then changed = 1 end
        end
        redis.call('SADD', KEYS[3], ARGV[3])
        return {redis.call('HLEN', KEYS[1]), redis.call('HLEN', KEYS[2]), changed}
        """;

    // KEYS and ARGV as JoinScript (the nodes and after unused).
    private const string LeaveScript = """
        local changed = 0
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 and ARGV[2] ~= '' then
          if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
            redis.call('HDEL', KEYS[2], ARGV[2])
            changed = 1
          end
        end
        redis.call('SREM', KEYS[3], ARGV[3])
        return {redis.call('HLEN', KEYS[1]), redis.call('HLEN', KEYS[2]), changed}
        """;

    // KEYS: nodes, this node's list. ARGV: now, node, dead before (ms), key prefix. Beats this node's heartbeat and
    // removes the entries of nodes that stopped beating; returns how many entries it removed.
    private const string BeatScript = """
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
        local removed = 0
        for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])) do
          local list = ARGV[4] .. 'node:' .. node .. ':p'
          for _, entry in ipairs(redis.call('SMEMBERS', list)) do
            local e = cjson.decode(entry)
            local room, connection, user = e[1], e[2], e[3]
            if redis.call('HDEL', ARGV[4] .. room .. ':pc', connection) == 1 and user ~= '' then
              local users = ARGV[4] .. room .. ':pu'
              if redis.call('HINCRBY', users, user, -1) <= 0 then redis.call('HDEL', users, user) end
            end
            removed = removed + 1
          end
          redis.call('DEL', list)
          redis.call('ZREM', KEYS[1], node)
        end
        return removed
        """;

    private readonly IDatabase _db;
    private readonly RedisKeys _keys;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ITimer _heartbeat;

    public RedisPresenceStore(IConnectionMultiplexer redis, RedisOptions options, string node, TimeProvider? time = null)
    {
        _db = redis.GetDatabase();
        _keys = new RedisKeys(options);
        _node = node;
        _time = time ?? TimeProvider.System;
        _heartbeat = _time.CreateTimer(static s => _ = ((RedisPresenceStore)s!).BeatAsync(), this, BeatEvery, BeatEvery);
    }

    public ValueTask<PresenceChange> JoinAsync(string ns, string room, string connectionId, string? user) => ChangeAsync(JoinScript, ns, room, connectionId, user);

    public ValueTask<PresenceChange> LeaveAsync(string ns, string room, string connectionId, string? user) => ChangeAsync(LeaveScript, ns, room, connectionId, user);

    public async ValueTask<Presence> GetAsync(string ns, string room, int maxUsers, CancellationToken cancellationToken = default)
    {
        var name = RedisKeys.Room(ns, room);
        var batch = _db.CreateBatch();
        var count = batch.HashLengthAsync(_keys.PresenceConnections(name));
        var users = batch.HashKeysAsync(_keys.PresenceUsers(name));
        batch.Execute();
        var all = await RedisCall.Reachable(users).ConfigureAwait(false);
        return new Presence((int)await RedisCall.Reachable(count).ConfigureAwait(false), all.Length, [.. all.Take(maxUsers).Select(u => (string)u!)]);
    }

    public void Dispose() => _heartbeat.Dispose();

    /// <summary>Beats this node's heartbeat and clears the entries of dead nodes; returns how many it cleared.</summary>
    internal async Task<long> BeatAsync()
    {
        try
        {
            var now = _time.GetUtcNow();
            return (long)await RedisCall.Reachable(_db.ScriptEvaluateAsync(
                BeatScript,
                [_keys.Nodes, _keys.NodePresence(_node)],
                [now.ToUnixTimeMilliseconds(), _node, (now - DeadAfter).ToUnixTimeMilliseconds(), _keys.RoomKeyPrefix])).ConfigureAwait(false);
        }
        catch (EngineUnavailableException)
        {
            return 0; // the next beat tries again
        }
    }

    // What this node lists for a presence entry: JSON, so that no room, connection or user id can break it apart.
    private static string Entry(string room, string connectionId, string? user) => JsonSerializer.Serialize<string[]>([room, connectionId, user ?? ""]);

    private async ValueTask<PresenceChange> ChangeAsync(string script, string ns, string room, string connectionId, string? user)
    {
        var name = RedisKeys.Room(ns, room);
        var result = (RedisResult[])(await RedisCall.Reachable(_db.ScriptEvaluateAsync(
            script,
            [_keys.PresenceConnections(name), _keys.PresenceUsers(name), _keys.NodePresence(_node), _keys.Nodes],
            [connectionId, user ?? "", Entry(name, connectionId, user), _time.GetUtcNow().ToUnixTimeMilliseconds(), _node])).ConfigureAwait(false))!;
        return new PresenceChange((int)result[0], (int)result[1], (int)result[2] == 1);
    }
}
