using System.Text.Json;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>
/// Recovery sessions on Redis, so a client that lost node 1 recovers on node 2: one key per session, expiring with
/// the recovery window, taken with GETDEL so it is restored at most once.
/// A live connection's session is kept too (<see cref="KeepLiveAsync"/>, updated when its rooms change, with the id of
/// its node), so that a node that crashes, and so saves nothing, does not take its clients' sessions with it: such a
/// session can be taken until the recovery window has passed since its node's last heartbeat (presence beats it).
/// </summary>
public sealed class RedisRecoveryStore(IConnectionMultiplexer redis, RedisOptions options, string node, TimeSpan window, TimeProvider? time = null)
    : IRecoveryStore
{
    // How long a live connection's session is kept without a change of its rooms: longer than most connections live.
    private static readonly TimeSpan LiveFor = TimeSpan.FromDays(7);

    // KEYS: saved, live. ARGV: session, window ms. The saved session replaces the live one.
    private const string SaveScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('DEL', KEYS[2])
        """;

    // KEYS: saved, live. ARGV: node + "\n" + session, ms. Once the session was saved at disconnection, it is final.
    private const string KeepLiveScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        end
        """;

    // KEYS: saved, live, nodes. ARGV: now, window ms. The saved session, else a live one whose node beat within the
    // window; either is removed (restored at most once).
    private const string TakeScript = """
        local saved = redis.call('GETDEL', KEYS[1])
        if saved then return saved end
        local live = redis.call('GETDEL', KEYS[2])
        if not live then return false end
        local cut = string.find(live, '\n', 1, true)
        local beat = tonumber(redis.call('ZSCORE', KEYS[3], string.sub(live, 1, cut - 1)) or '0')
        if beat + tonumber(ARGV[2]) < tonumber(ARGV[1]) then return false end
        return string.sub(live, cut + 1)
        """;

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisKeys _keys = new(options);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async ValueTask SaveAsync(RecoverySession session, TimeSpan window, CancellationToken cancellationToken = default) =>
        await RedisCall.Reachable(_db.ScriptEvaluateAsync(
            SaveScript,
            [_keys.Recovery(session.Pid), _keys.LiveRecovery(session.Pid)],
            [JsonSerializer.SerializeToUtf8Bytes(session, RedisCall.OmitDefaults), (long)window.TotalMilliseconds])).ConfigureAwait(false);

    public async ValueTask KeepLiveAsync(RecoverySession session, CancellationToken cancellationToken = default) =>
        await RedisCall.Reachable(_db.ScriptEvaluateAsync(
            KeepLiveScript,
            [_keys.Recovery(session.Pid), _keys.LiveRecovery(session.Pid)],
            [node + "\n" + JsonSerializer.Serialize(session, RedisCall.OmitDefaults), (long)LiveFor.TotalMilliseconds])).ConfigureAwait(false);

    public async ValueTask ForgetLiveAsync(string pid, CancellationToken cancellationToken = default) =>
        await RedisCall.Reachable(_db.KeyDeleteAsync(_keys.LiveRecovery(pid))).ConfigureAwait(false);

    public async ValueTask<RecoverySession?> TakeAsync(string pid, CancellationToken cancellationToken = default)
    {
        var value = await RedisCall.Reachable(_db.ScriptEvaluateAsync(
            TakeScript,
            [_keys.Recovery(pid), _keys.LiveRecovery(pid), _keys.Nodes],
            [_time.GetUtcNow().ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds])).ConfigureAwait(false);
        return value.IsNull ? null : JsonSerializer.Deserialize<RecoverySession>((byte[])value!, RedisCall.OmitDefaults);
    }
}
