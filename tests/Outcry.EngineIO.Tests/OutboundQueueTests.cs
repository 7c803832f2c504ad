namespace Outcry.EngineIO.Tests;

public class OutboundQueueTests
{
    private sealed record Item(string Name, string? SupersedeKey = null, bool Droppable = false) : ISheddable;

    // Its own type: the shared slots are counted per type, and only this class's one test uses it.
    private sealed record Slotted(string Name) : ISheddable
    {
        public string? SupersedeKey => null;

        public bool Droppable => false;
    }

    private static List<string> Drain(OutboundQueue<Item> queue)
    {
        var names = new List<string>();
        while (queue.TryDequeue(out var item))
        {
            names.Add(item.Name);
        }

        return names;
    }

    [Fact]
    public void PastItsSharedSlots_TheQueueKeepsItsOrder_ThroughItsOwnOverflowAndBack()
    {
        var queue = new OutboundQueue<Item>(max: 1000, backlog: 1000);
        var expected = new Queue<string>();
        var random = new Random(6);
        for (var step = 0; step < 2000; step++)
        {
            // Bursts longer than the shared slots, and drains that stop anywhere: across the boundary both ways.
            if (random.Next(3) > 0)
            {
                var name = "m" + step;
                queue.Enqueue(new(name), out _);
                expected.Enqueue(name);
            }
            else
            {
                for (var take = random.Next(12); take > 0 && queue.TryDequeue(out var item); take--)
                {
                    Assert.Equal(expected.Dequeue(), item.Name);
                }
            }

            Assert.Equal(expected.Count, queue.Count);
        }

        Assert.Equal(expected, Drain(queue));
    }

    [Fact]
    public void Completing_GivesTheSharedSlotsBack_AndKeepsWhatWaits()
    {
        var before = Internal.SlotPages<Slotted>.InUse;
        var queue = new OutboundQueue<Slotted>(max: 100, backlog: 100);
        queue.Enqueue(new("a"), out _);
        queue.Enqueue(new("b"), out _);
        Assert.Equal(before + 1, Internal.SlotPages<Slotted>.InUse);

        queue.Complete(new("close"));
        queue.Enqueue(new("late"), out _);

        Assert.Equal(before, Internal.SlotPages<Slotted>.InUse);
        var taken = new List<Slotted>();
        queue.TakeAll(taken);
        Assert.Equal(["a", "b", "close"], taken.Select(i => i.Name));
    }

    [Fact]
    public void BelowTheBacklog_EverythingIsKept_InOrder()
    {
        var queue = new OutboundQueue<Item>(max: 100, backlog: 10);
        Assert.Equal(Enqueued.Queued, queue.Enqueue(new("lot1", "lot"), out _));
        Assert.Equal(Enqueued.Queued, queue.Enqueue(new("typing", Droppable: true), out _));
        Assert.Equal(Enqueued.Queued, queue.Enqueue(new("lot2", "lot"), out var superseded));

        Assert.Equal(0, superseded);
        Assert.Equal(["lot1", "typing", "lot2"], Drain(queue));
    }

    [Fact]
    public void Backlogged_AKeyedItemReplacesTheWaitingOnesWithItsKey_AndDroppablesAreDropped()
    {
        var queue = new OutboundQueue<Item>(max: 100, backlog: 3);
        queue.Enqueue(new("lot1", "lot"), out _);
        queue.Enqueue(new("bid1"), out _);
        queue.Enqueue(new("lot2", "lot"), out _);

        Assert.Equal(Enqueued.Dropped, queue.Enqueue(new("typing", Droppable: true), out _));
        Assert.Equal(Enqueued.Queued, queue.Enqueue(new("clock", "clock"), out var none));
        Assert.Equal(Enqueued.Queued, queue.Enqueue(new("lot3", "lot"), out var superseded));

        Assert.Equal(0, none);
        Assert.Equal(2, superseded);
        Assert.Equal(3, queue.Count);
        Assert.Equal(["bid1", "clock", "lot3"], Drain(queue));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void AtTheMaximum_TheQueueIsFull_CountingSupersededEntries()
    {
        var queue = new OutboundQueue<Item>(max: 4, backlog: 1);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Enqueued.Queued, queue.Enqueue(new("lot" + i, "lot"), out _));
        }

        // Only one will be sent, but the superseded entries still take room until the reader passes them.
        Assert.Equal(1, queue.Count);
        Assert.Equal(Enqueued.Full, queue.Enqueue(new("lot4", "lot"), out _));
        Assert.Equal(["lot3"], Drain(queue));
        Assert.Equal(Enqueued.Queued, queue.Enqueue(new("lot5", "lot"), out _));
    }

    [Fact]
    public async Task Complete_EndsTheQueueWithItsLastItem()
    {
        var queue = new OutboundQueue<Item>(max: 1, backlog: 1);
        queue.Enqueue(new("a"), out _);
        queue.Complete(new("close"));

        Assert.Equal(["a", "close"], Drain(queue));
        Assert.False(await queue.WaitToReadAsync());
    }

    [Fact]
    public void TakeAll_MovesWhatWillBeSent_InOrder_AndTheKeyCanComeBack()
    {
        var queue = new OutboundQueue<Item>(max: 100, backlog: 2);
        queue.Enqueue(new("lot1", "lot"), out _);
        queue.Enqueue(new("bid1"), out _);
        queue.Enqueue(new("lot2", "lot"), out _);
        var taken = new List<Item>();

        queue.TakeAll(taken);

        Assert.Equal(["bid1", "lot2"], taken.Select(i => i.Name));
        Assert.True(queue.IsEmpty);
        Assert.Equal(0, queue.Count);

        // The key's bookkeeping ended with its last item: a new one is not superseded by the old ones.
        queue.Enqueue(new("lot3", "lot"), out var superseded);
        Assert.Equal(0, superseded);
        Assert.Equal(["lot3"], Drain(queue));
    }

    [Fact]
    public async Task WaitToRead_WakesOnTheNextItem_OrOnCompletion()
    {
        var queue = new OutboundQueue<Item>(max: 10, backlog: 10);
        var waiting = queue.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        queue.Enqueue(new("a"), out _);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(["a"], Drain(queue));

        var ending = queue.WaitToReadAsync().AsTask();
        queue.Complete(null);
        Assert.False(await ending.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task WaitToRead_IsCancellable_AndTheQueueStillWorksAfterwards()
    {
        var queue = new OutboundQueue<Item>(max: 10, backlog: 10);
        using var cancel = new CancellationTokenSource();
        var waiting = queue.WaitToReadAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        queue.Enqueue(new("a"), out _);
        Assert.True(await queue.WaitToReadAsync());
        Assert.Equal(["a"], Drain(queue));
    }
}
