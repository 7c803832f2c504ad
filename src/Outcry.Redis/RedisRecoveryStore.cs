using System.Text.Json;
using System.Text.Json.Serialization;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>
/// Recovery sessions on Redis, so a client that lost node 1 recovers on node 2: one key per session, expiring with
/// the recovery window, taken with GETDEL so it is restored at most once.
/// </summary>
public sealed class RedisRecoveryStore(IConnectionMultiplexer redis, RedisOptions options) : IRecoveryStore
{
    // Defaults are left out: an identity without info has an undefined JsonElement, which cannot be written.
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisKeys _keys = new(options.Prefix);

    public async ValueTask SaveAsync(RecoverySession session, TimeSpan window, CancellationToken cancellationToken = default) =>
        await RedisHistoryStore.Reachable(_db.StringSetAsync(_keys.Recovery(session.Pid), JsonSerializer.SerializeToUtf8Bytes(session, Json), window)).ConfigureAwait(false);

    public async ValueTask<RecoverySession?> TakeAsync(string pid, CancellationToken cancellationToken = default)
    {
        var value = await RedisHistoryStore.Reachable(_db.StringGetDeleteAsync(_keys.Recovery(pid))).ConfigureAwait(false);
        return value.IsNull ? null : JsonSerializer.Deserialize<RecoverySession>((byte[])value!, Json);
    }
}
