namespace Outcry.EngineIO.Internal;

/// <summary>
/// The FIFO under one <see cref="OutboundQueue{T}"/>: its first <see cref="Slots"/> items live in a slot range of a
/// big array shared by many queues (<see cref="SlotPages{T}"/>), more go to a queue of its own.
/// </summary>
/// <remarks>
/// Why: storing a new packet's reference into a long-lived object marks that object's card, and every gen0 and gen1
/// collection scans the marked cards. Each connection's own small array sat among its many small objects, and finding
/// where the objects of a card begin there meant walking them: with 10,000 connections receiving, the collector spent
/// 8 ms on the cards alone in every collection (GCMarkWithType, rooms benchmark), and each pause came back as latency.
/// In one shared array, the start of a card is found at once. A mutable struct: held in a field, used under the
/// queue's lock.
/// </remarks>
internal struct SharedSlotFifo<T>
    where T : class
{
    public const int Slots = 8; // a power of two

    private T?[]? _page;
    private int _base;
    private int _head;
    private int _inSlots;

    // Items beyond the slots; every item in the slots is older than every item here.
    private Queue<T>? _overflow;
    private bool _released;

    public readonly int Count => _inSlots + (_overflow?.Count ?? 0);

    public void Enqueue(T item)
    {
        if (_inSlots < Slots && (_overflow is null || _overflow.Count == 0) && !_released)
        {
            if (_page is null)
            {
                (_page, _base) = SlotPages<T>.Rent();
            }

            _page[_base + ((_head + _inSlots) & (Slots - 1))] = item;
            _inSlots++;
            return;
        }

        (_overflow ??= new Queue<T>()).Enqueue(item);
    }

    public bool TryDequeue(out T item)
    {
        if (_inSlots > 0)
        {
            ref var slot = ref _page![_base + _head];
            item = slot!;
            slot = null; // the shared array must not keep a sent packet alive
            _head = (_head + 1) & (Slots - 1);
            _inSlots--;
            return true;
        }

        if (_overflow is not null && _overflow.TryDequeue(out item!))
        {
            return true;
        }

        item = null!;
        return false;
    }

    /// <summary>
    /// Gives the slots back for good (the queue ended): what they hold moves, in order, to the queue's own, which
    /// takes every item from now on.
    /// </summary>
    public void Release()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        if (_page is null)
        {
            return;
        }

        if (_inSlots > 0)
        {
            var all = new Queue<T>(Count);
            while (TryDequeue(out var item))
            {
                all.Enqueue(item);
            }

            _overflow = all;
        }

        SlotPages<T>.Return(_page, _base);
        _page = null;
    }
}

/// <summary>
/// Slot ranges of <see cref="SharedSlotFifo{T}.Slots"/> in arrays big enough for the large object heap, which never
/// moves them. A range returned is reused by the next queue; pages are kept.
/// </summary>
internal static class SlotPages<T>
    where T : class
{
    private const int PageSize = 16 * 1024; // 128 KiB of references: on the large object heap
    private static readonly Lock Gate = new();
    private static readonly Stack<(T?[] Page, int Base)> Free = new();
    private static T?[]? _current;
    private static int _next = PageSize;
    private static int _inUse;

    /// <summary>Ranges rented and not returned (tests: every ended queue gave its slots back).</summary>
    public static int InUse => Volatile.Read(ref _inUse);

    public static (T?[] Page, int Base) Rent()
    {
        lock (Gate)
        {
            _inUse++;
            if (Free.TryPop(out var range))
            {
                return range;
            }

            if (_next == PageSize)
            {
                _current = new T?[PageSize];
                _next = 0;
            }

            var start = _next;
            _next += SharedSlotFifo<T>.Slots;
            return (_current!, start);
        }
    }

    public static void Return(T?[] page, int start)
    {
        lock (Gate)
        {
            _inUse--;
            Free.Push((page, start));
        }
    }
}
