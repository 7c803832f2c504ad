using System.Threading.Channels;

namespace Outcry.EngineIO;

/// <summary>How a backlogged connection may shed an outbound item rather than send it.</summary>
public interface ISheddable
{
    /// <summary>A later item with the same key supersedes this one while it waits in a backlogged queue. Null: never.</summary>
    string? SupersedeKey { get; }

    /// <summary>Whether a backlogged queue may drop this item rather than keep it (socket.io's "volatile").</summary>
    bool Droppable { get; }
}

public enum Enqueued
{
    /// <summary>Queued (it may have superseded waiting items with its key).</summary>
    Queued,

    /// <summary>Droppable, and the queue was backlogged: not queued.</summary>
    Dropped,

    /// <summary>The queue holds its maximum: the consumer is too slow and should be cut off.</summary>
    Full,
}

/// <summary>
/// One connection's outbound queue, bounded, with the slow-consumer policy every transport shares: from
/// <c>backlog</c> items waiting on, droppable items are dropped and an item with a supersede key replaces the
/// waiting ones with that key (skipped when dequeued: order is kept, and what is sent is always the newest);
/// at <c>max</c> items the queue is full. Writers must be serialised by the caller; one reader may run beside them.
/// </summary>
public sealed class OutboundQueue<T>(int max, int backlog)
    where T : class, ISheddable
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly int _backlog = Math.Min(backlog, max);
    private readonly Lock _keyedLock = new();

    // _entries: everything in the channel (the hard bound); _waiting: what will really be sent (the backlog measure).
    private int _entries;
    private int _waiting;

    // Per supersede key with items in the channel: how many, and how many of the first of them are superseded.
    private Dictionary<string, KeyedItems>? _keyed;

    /// <summary>Items that will be sent (superseded ones not counted).</summary>
    public int Count => Volatile.Read(ref _waiting);

    /// <summary>Queues <paramref name="item"/> under the policy; <paramref name="superseded"/> is how many waiting items it replaced.</summary>
    public Enqueued Enqueue(T item, out int superseded)
    {
        superseded = 0;
        var backlogged = Volatile.Read(ref _waiting) >= _backlog;
        if (backlogged && item.Droppable)
        {
            return Enqueued.Dropped;
        }

        if (Interlocked.Increment(ref _entries) > max)
        {
            Interlocked.Decrement(ref _entries);
            return Enqueued.Full;
        }

        if (item.SupersedeKey is { } key)
        {
            lock (_keyedLock)
            {
                _keyed ??= new(StringComparer.Ordinal);
                if (!_keyed.TryGetValue(key, out var keyed))
                {
                    _keyed[key] = keyed = new KeyedItems();
                }

                if (backlogged && keyed.Queued > keyed.Superseded)
                {
                    superseded = keyed.Queued - keyed.Superseded;
                    keyed.Superseded = keyed.Queued;
                    Interlocked.Add(ref _waiting, -superseded);
                }

                keyed.Queued++;
            }
        }

        Interlocked.Increment(ref _waiting);
        _channel.Writer.TryWrite(item);
        return Enqueued.Queued;
    }

    /// <summary>Ends the queue with <paramref name="last"/> (a close marker), which is not subject to the bound.</summary>
    public void Complete(T? last)
    {
        if (last is not null)
        {
            _channel.Writer.TryWrite(last);
        }

        _channel.Writer.TryComplete();
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>The next item to send, skipping superseded ones.</summary>
    public bool TryDequeue(out T item)
    {
        while (_channel.Reader.TryRead(out item!))
        {
            Interlocked.Decrement(ref _entries);
            if (item.SupersedeKey is { } key && IsSuperseded(key))
            {
                continue;
            }

            Interlocked.Decrement(ref _waiting);
            return true;
        }

        return false;
    }

    // A keyed item leaves the channel: superseded when a later one replaced it (FIFO: the first ones of its key).
    private bool IsSuperseded(string key)
    {
        lock (_keyedLock)
        {
            var keyed = _keyed![key];
            keyed.Queued--;
            var superseded = keyed.Superseded > 0;
            if (superseded)
            {
                keyed.Superseded--;
            }

            if (keyed.Queued == 0)
            {
                _keyed.Remove(key);
            }

            return superseded;
        }
    }

    private sealed class KeyedItems
    {
        public int Queued;
        public int Superseded;
    }
}
