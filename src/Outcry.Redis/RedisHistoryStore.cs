using Outcry.Core;
using StackExchange.Redis;
using StreamPosition = Outcry.Core.StreamPosition;

namespace Outcry.Redis;

/// <summary>
/// The history on Redis, shared by every node: per room a sorted set of entries by sequence (bounded by size and
/// age, per <see cref="HistoryOptions"/>), a meta hash (what the room lost), a hash of the latest entry per state
/// key; one sequence and one epoch for all. Appending is the broker's publish script (<see cref="AppendAsync"/>),
/// so keeping and publishing are one step. A timer sweeps rooms whose entries have all expired.
/// </summary>
public sealed class RedisHistoryStore : IHistoryStore, IDisposable
{
    private const int SweepBatch = 500;
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);
    private readonly IDatabase _db;
    private readonly RedisKeys _keys;
    private readonly HistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly int _logSize;

    public RedisHistoryStore(IConnectionMultiplexer redis, RedisOptions redisOptions, HistoryOptions options, TimeProvider? time = null)
    {
        _db = redis.GetDatabase();
        _keys = new RedisKeys(redisOptions);
        _logSize = redisOptions.LogSize;
        _options = options;
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(static s => _ = ((RedisHistoryStore)s!).SweepAsync(), this, SweepEvery, SweepEvery);
    }

    internal RedisKeys Keys => _keys;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask<StreamPosition> LatestAsync(CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await RedisCall.Reachable(_db.ScriptEvaluateAsync(Scripts.Latest, [_keys.Epoch, _keys.Sequence], [Now, StreamPosition.NewEpoch()])).ConfigureAwait(false))!;
        return new StreamPosition((string)result[0]!, (long)result[1]);
    }

    /// <summary>
    /// Gives <paramref name="publication"/> the next position, keeps it in each of its rooms and publishes it on the
    /// nodes' channel, atomically (a volatile one is only published); or, when its id was published within the id
    /// window, does nothing and answers the first one's position as a duplicate. <paramref name="tail"/> is its
    /// encoding (<see cref="PublicationCodec.Tail"/>).
    /// </summary>
    /// <param name="channel">Where to publish: the nodes' channel unless a test says otherwise.</param>
    internal async Task<(StreamPosition? Position, bool Duplicate)> AppendAsync(Publication publication, string tail, RedisChannel? channel = null)
    {
        var rooms = publication.Volatile ? [] : publication.HistoryRooms().ToList();
        var keys = new List<RedisKey>(6 + (rooms.Count * 3))
        {
            _keys.Epoch, _keys.Sequence, _keys.Rooms, _keys.Removed, _keys.Log, _keys.PublicationId(publication.Id ?? ""),
        };
        var args = new List<RedisValue>(10 + (rooms.Count * 3))
        {
            Now, StreamPosition.NewEpoch(), (channel ?? _keys.Channel).ToString(), tail, publication.Volatile ? 1 : 0,
            publication.Key ?? "", (long)_options.StateTtl.TotalMilliseconds, _logSize, _keys.PublishCommand,
            publication.Id is null ? 0 : (long)_options.IdWindow.TotalMilliseconds,
        };
        foreach (var room in rooms)
        {
            var name = RedisKeys.Room(publication.Namespace, room);
            var retention = _options.For(room);
            keys.AddRange([_keys.History(name), _keys.Meta(name), _keys.State(name)]);
            args.AddRange([retention.Size, (long)retention.Ttl.TotalMilliseconds, name]);
        }

        var result = (RedisResult[])(await RedisCall.Reachable(_db.ScriptEvaluateAsync(Scripts.Publish, [.. keys], [.. args])).ConfigureAwait(false))!;
        if (result.Length > 2)
        {
            return (StreamPosition.TryParse((string?)result[2], out var first) ? first : null, true);
        }

        var sequence = (long)result[1];
        return (sequence == 0 ? null : new StreamPosition((string)result[0]!, sequence), false);
    }

    public async ValueTask<HistoryPage> ReadAsync(string ns, string room, StreamPosition? since, int limit, CancellationToken cancellationToken = default)
    {
        var name = RedisKeys.Room(ns, room);
        var result = (RedisResult[])(await RedisCall.Reachable(_db.ScriptEvaluateAsync(
            Scripts.Read,
            [_keys.History(name), _keys.Meta(name), _keys.Epoch, _keys.Sequence, _keys.Removed],
            [Now, since?.Epoch ?? "", since?.Sequence ?? 0, limit, (long)_options.For(room).Ttl.TotalMilliseconds])).ConfigureAwait(false))!;
        var latest = new StreamPosition((string)result[0]!, (long)result[1]);
        var items = new List<Publication>(result.Length - 4);
        for (var i = 4; i < result.Length; i++)
        {
            if (PublicationCodec.Read((byte[])result[i]!, out _, out _) is { } publication)
            {
                items.Add(publication);
            }
        }

        return new HistoryPage(items, (long)result[2] == 1, (long)result[3] == 1, latest);
    }

    public async ValueTask<IReadOnlyList<Publication>> StateAsync(string ns, string room, CancellationToken cancellationToken = default)
    {
        var entries = await RedisCall.Reachable(_db.HashValuesAsync(_keys.State(RedisKeys.Room(ns, room)))).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        return [.. entries
            .Select(e => PublicationCodec.Read((byte[])e!, out _, out _))
            .OfType<Publication>()
            .Where(p => p.Time + _options.StateTtl > now)
            .OrderBy(p => p.Position!.Value.Sequence)];
    }

    /// <summary>The publications of all rooms with sequences strictly between the two, from the log, in order.</summary>
    internal async Task<List<Publication>> LogAsync(long after, long before)
    {
        var entries = await RedisCall.Reachable(_db.SortedSetRangeByScoreAsync(_keys.Log, after, before, Exclude.Both)).ConfigureAwait(false);
        return [.. entries.Select(e => PublicationCodec.Read((byte[])e!, out _, out _)).OfType<Publication>()];
    }

    public void Dispose() => _sweeper.Dispose();

    /// <summary>Removes rooms whose history and state have all expired; returns how many.</summary>
    internal async Task<long> SweepAsync()
    {
        try
        {
            long total = 0, removed;
            do
            {
                removed = (long)await RedisCall.Reachable(_db.ScriptEvaluateAsync(Scripts.Sweep, [_keys.Rooms, _keys.Removed], [Now, _keys.RoomKeyPrefix, SweepBatch])).ConfigureAwait(false);
                total += removed;
            }
            while (removed == SweepBatch);
            return total;
        }
        catch (EngineUnavailableException)
        {
            return 0; // the next sweep catches up
        }
    }
}
