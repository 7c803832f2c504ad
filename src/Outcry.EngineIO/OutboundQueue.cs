using System.Runtime.InteropServices;
using Outcry.EngineIO.Internal;

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
/// at <c>max</c> items the queue is full. Any number of writers and one reader; one short lock guards it all, and
/// <see cref="TakeAll"/> lets the reader empty it in one go. Its first items wait in slots shared with other queues
/// (see <see cref="Internal.SharedSlotFifo{T}"/>), given back by <see cref="Complete"/>: every queue must be completed.
/// </summary>
public sealed class OutboundQueue<T>(int max, int backlog)
    where T : class, ISheddable
{
    private SharedSlotFifo<T> _items; // mutable struct: never readonly, never copied
    private readonly int _backlog = Math.Min(backlog, max);
    private readonly Lock _lock = new();

    // _items.Count is the hard bound; _waiting, what will really be sent (the backlog measure).
    private int _waiting;
    private bool _completed;

    // The close marker, which never counted as waiting.
    private T? _last;

    // A reader waiting for the next item (polling, SSE): completed, outside the lock, by the next Enqueue or Complete.
    private TaskCompletionSource<bool>? _reader;

    // Per supersede key with items queued: how many, and how many of the first of them are superseded. Counts are
    // values, so a key that comes and goes reuses its slot rather than allocating.
    private Dictionary<string, KeyedItems>? _keyed;

    /// <summary>Items that will be sent (superseded ones not counted).</summary>
    public int Count => Volatile.Read(ref _waiting);

    /// <summary>Nothing waits in the queue, not even a close marker.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _items.Count == 0;
            }
        }
    }

    /// <summary>Queues <paramref name="item"/> under the policy; <paramref name="superseded"/> is how many waiting items it replaced.</summary>
    public Enqueued Enqueue(T item, out int superseded)
    {
        superseded = 0;
        TaskCompletionSource<bool>? reader;
        lock (_lock)
        {
            if (_completed)
            {
                // Ended: nothing more will be read, and the writer learns of the end from its own state.
                return Enqueued.Queued;
            }

            var backlogged = _waiting >= _backlog;
            if (backlogged && item.Droppable)
            {
                return Enqueued.Dropped;
            }

            if (_items.Count >= max)
            {
                return Enqueued.Full;
            }

            if (item.SupersedeKey is { } key)
            {
                superseded = Supersede(key, backlogged);
            }

            _items.Enqueue(item);
            _waiting++;
            reader = _reader;
            _reader = null;
        }

        reader?.TrySetResult(true);
        return Enqueued.Queued;
    }

    /// <summary>Ends the queue with <paramref name="last"/> (a close marker), which is not subject to the bound.</summary>
    public void Complete(T? last)
    {
        TaskCompletionSource<bool>? reader;
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _last = last;
            _items.Release();
            if (last is not null)
            {
                _items.Enqueue(last);
            }

            reader = _reader;
            _reader = null;
        }

        reader?.TrySetResult(last is not null);
    }

    /// <summary>True once an item can be taken; false when the queue was completed and is empty.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<bool> reader;
        lock (_lock)
        {
            if (_items.Count > 0 || _completed)
            {
                return ValueTask.FromResult(_items.Count > 0);
            }

            reader = _reader ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return new ValueTask<bool>(reader.Task.WaitAsync(cancellationToken));
    }

    /// <summary>The next item to send, skipping superseded ones.</summary>
    public bool TryDequeue(out T item)
    {
        lock (_lock)
        {
            while (_items.TryDequeue(out item!))
            {
                if (!IsSuperseded(item))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Moves every item to send into <paramref name="into"/>, in order, skipping superseded ones.</summary>
    public void TakeAll(List<T> into)
    {
        lock (_lock)
        {
            while (_items.TryDequeue(out var item))
            {
                if (!IsSuperseded(item))
                {
                    into.Add(item);
                }
            }
        }
    }

    // Under _lock: the waiting items with this key are superseded once the queue is backlogged.
    private int Supersede(string key, bool backlogged)
    {
        _keyed ??= new(StringComparer.Ordinal);
        ref var keyed = ref CollectionsMarshal.GetValueRefOrAddDefault(_keyed, key, out _);
        var superseded = 0;
        if (backlogged && keyed.Queued > keyed.Superseded)
        {
            superseded = keyed.Queued - keyed.Superseded;
            keyed.Superseded = keyed.Queued;
            _waiting -= superseded;
        }

        keyed.Queued++;
        return superseded;
    }

    // Under _lock: an item leaves the queue; a keyed one is superseded when a later one replaced it (FIFO: the first
    // ones of its key).
    private bool IsSuperseded(T item)
    {
        if (item.SupersedeKey is not { } key || _keyed is null)
        {
            if (!ReferenceEquals(item, _last))
            {
                _waiting--;
            }

            return false;
        }

        ref var keyed = ref CollectionsMarshal.GetValueRefOrNullRef(_keyed, key);
        keyed.Queued--;
        var superseded = keyed.Superseded > 0;
        if (superseded)
        {
            keyed.Superseded--;
        }
        else
        {
            _waiting--;
        }

        if (keyed.Queued == 0)
        {
            _keyed.Remove(key);
        }

        return superseded;
    }

    private struct KeyedItems
    {
        public int Queued;
        public int Superseded;
    }
}
