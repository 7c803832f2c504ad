using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;

namespace Outcry.Core;

/// <summary>
/// The single-node history: a bounded queue per room (by size and age, per <see cref="HistoryOptions"/>) and the
/// latest publication per key. Its epoch is new at every start, so positions from before a restart are known to
/// be lost rather than silently skipped. Each room has its own lock; a timer sweeps expired entries and empty rooms.
/// An entry is the publication's fields as one UTF-8 JSON object (<see cref="PublicationJson"/>), read back into a
/// publication only when asked for: one object of about 150 bytes instead of a publication's eight or so and 660
/// bytes. Entries live for seconds to minutes, so every one of them is copied by the collector into the older
/// generations, and those copies were the longest part of each collection under a steady publish rate.
/// </summary>
public sealed class InMemoryHistoryStore : IHistoryStore, IDisposable
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<(string Ns, string Room), RoomStream> _streams = new();
    private readonly HistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private long _sequence;

    // The highest sequence ever evicted from a room whose stream was since removed: a position older than this
    // cannot be resumed exactly in a room that has no stream (or a stream younger than the removal).
    private long _removedWatermark;

    public InMemoryHistoryStore(HistoryOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(static s => ((InMemoryHistoryStore)s!).Sweep(), this, SweepEvery, SweepEvery);
    }

    public string Epoch { get; } = StreamPosition.NewEpoch();

    public DateTimeOffset Now => _time.GetUtcNow();

    public HistoryOptions Options => _options;

    public ValueTask<StreamPosition> LatestAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Latest);

    private StreamPosition Latest => new(Epoch, Interlocked.Read(ref _sequence));

    /// <summary>
    /// Gives <paramref name="publication"/> the next position and keeps it in each of its rooms. The broker calls
    /// this under its ordering lock, so positions grow in the order publications are delivered.
    /// </summary>
    public Publication Append(Publication publication)
    {
        var now = _time.GetUtcNow();
        var stamped = publication with { Position = new StreamPosition(Epoch, Interlocked.Increment(ref _sequence)), Time = now };
        byte[]? fields = null;
        foreach (var room in publication.HistoryRooms())
        {
            var retention = _options.For(room);
            fields ??= retention.Size > 0 ? Encode(stamped) : null;
            while (true)
            {
                var stream = _streams.GetOrAdd((publication.Namespace, room), static (_, watermark) => new RoomStream(watermark), Interlocked.Read(ref _removedWatermark));
                lock (stream)
                {
                    if (stream.Removed)
                    {
                        continue;
                    }

                    stream.Append(stamped, fields, retention, now);
                    break;
                }
            }
        }

        return stamped;
    }

    public ValueTask<HistoryPage> ReadAsync(string ns, string room, StreamPosition? since, int limit, CancellationToken cancellationToken = default)
    {
        var latest = Latest;
        if (since is { } s && (s.Epoch != Epoch || s.Sequence > latest.Sequence))
        {
            return ValueTask.FromResult(new HistoryPage([], false, false, latest));
        }

        if (!_streams.TryGetValue((ns, room), out var stream))
        {
            var complete = since is null || since.Value.Sequence >= Interlocked.Read(ref _removedWatermark);
            return ValueTask.FromResult(new HistoryPage([], complete, false, latest));
        }

        lock (stream)
        {
            stream.Expire(_options.For(room), _options.StateTtl, _time.GetUtcNow());
            return ValueTask.FromResult(stream.Read(since?.Sequence, limit, latest));
        }
    }

    public ValueTask<IReadOnlyList<Publication>> StateAsync(string ns, string room, CancellationToken cancellationToken = default)
    {
        if (!_streams.TryGetValue((ns, room), out var stream))
        {
            return ValueTask.FromResult<IReadOnlyList<Publication>>([]);
        }

        lock (stream)
        {
            stream.Expire(_options.For(room), _options.StateTtl, _time.GetUtcNow());
            return ValueTask.FromResult<IReadOnlyList<Publication>>([.. stream.State.Values.OrderBy(p => p.Position!.Value.Sequence)]);
        }
    }

    public void Dispose() => _sweeper.Dispose();

    // One writer per thread, reused: an entry then allocates only its own bytes.
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json)? t_encoder;

    private static byte[] Encode(Publication publication)
    {
        var (buffer, json) = t_encoder ??= NewEncoder();
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        json.WriteStartObject();
        PublicationJson.WriteFields(json, publication);
        json.WriteEndObject();
        json.Flush();
        var fields = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 64 * 1024)
        {
            t_encoder = null; // a big publication's buffer is not kept for the small ones
        }

        return fields;
    }

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewEncoder()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        return (buffer, new Utf8JsonWriter(buffer));
    }

    private static Publication Decode(Entry entry, string epoch)
    {
        using var document = JsonDocument.Parse(entry.Fields);
        return PublicationJson.ReadFields(document.RootElement, new StreamPosition(epoch, entry.Sequence), entry.Time);
    }

    private readonly record struct Entry(long Sequence, DateTimeOffset Time, byte[] Fields);

    internal void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, stream) in _streams)
        {
            lock (stream)
            {
                stream.Expire(_options.For(key.Room), _options.StateTtl, now);
                if (!stream.IsEmpty)
                {
                    continue;
                }

                stream.Removed = true;
                _streams.TryRemove(new KeyValuePair<(string, string), RoomStream>(key, stream));
                var evicted = stream.EvictedUpTo;
                long seen;
                while ((seen = Interlocked.Read(ref _removedWatermark)) < evicted
                    && Interlocked.CompareExchange(ref _removedWatermark, evicted, seen) != seen)
                {
                }
            }
        }
    }

    private sealed class RoomStream(long createdAfter)
    {
        private readonly Queue<Entry> _entries = new();

        public readonly Dictionary<string, Publication> State = new(StringComparer.Ordinal);

        // Highest sequence this room no longer has: evicted here, or lost with an earlier stream of the same room.
        public long EvictedUpTo = createdAfter;
        public bool Removed;

        public bool IsEmpty => _entries.Count == 0 && State.Count == 0;

        public void Append(Publication publication, byte[]? fields, HistoryRetention retention, DateTimeOffset now)
        {
            var sequence = publication.Position!.Value.Sequence;
            if (fields is not null)
            {
                _entries.Enqueue(new Entry(sequence, now, fields));
            }
            else
            {
                EvictedUpTo = Math.Max(EvictedUpTo, sequence); // a room that keeps nothing has lost it at once
            }

            if (publication.Key is { } key)
            {
                State[key] = publication;
            }

            Expire(retention, null, now);
        }

        public void Expire(HistoryRetention retention, TimeSpan? stateTtl, DateTimeOffset now)
        {
            while (_entries.Count > 0 && (_entries.Count > retention.Size || _entries.Peek().Time + retention.Ttl <= now))
            {
                EvictedUpTo = Math.Max(EvictedUpTo, _entries.Dequeue().Sequence);
            }

            if (stateTtl is { } ttl && State.Count > 0)
            {
                foreach (var (key, publication) in State)
                {
                    if (publication.Time + ttl <= now)
                    {
                        State.Remove(key);
                    }
                }
            }
        }

        public HistoryPage Read(long? since, int limit, StreamPosition latest)
        {
            if (since is null)
            {
                var skip = Math.Max(0, _entries.Count - limit);
                return new HistoryPage([.. _entries.Skip(skip).Select(e => Decode(e, latest.Epoch))], true, skip > 0, latest);
            }

            if (since.Value < EvictedUpTo)
            {
                return new HistoryPage([], false, false, latest);
            }

            var items = _entries.Where(e => e.Sequence > since.Value).Take(limit + 1).ToList();
            var more = items.Count > limit;
            if (more)
            {
                items.RemoveAt(limit);
            }

            return new HistoryPage([.. items.Select(e => Decode(e, latest.Epoch))], true, more, latest);
        }
    }
}
