using BenchmarkDotNet.Attributes;
using Outcry.Benchmarks.Internal;
using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Benchmarks;

/// <summary>
/// One message to N subscribers through the real server objects: Socket.IO namespace, room registry, broadcast
/// operator, encoder, each socket's send gate, each Engine.IO session's bounded outbound queue — then each queue is
/// drained as its connection's writer would (dequeue only: no transport). The connections are long-polling sessions
/// with no GET pending, so nothing but the fan-out runs. Allocated bytes must not grow with N: see B/recipient.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FanOutConfig))]
public class FanOut
{
    private const string Lot = "lot:100";
    private const string List = "lots";
    private const string HalfA = "half:a";
    private const string HalfB = "half:b";

    private readonly object?[] _args = [Samples.Data];
    private PollingCluster _cluster = null!;
    private InMemoryBroker _broker = null!;
    private Publication _toLot = null!;
    private Publication _auction = null!;

    [Params(1, 100, 10_000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Everyone watches lot 100; every other one also the list of lots (an overlap the broadcast must dedupe);
        // "half:a"/"half:b" split them in two disjoint rooms.
        _cluster = PollingCluster.Start(Recipients, static (socket, i) =>
        {
            socket.Join(Lot);
            if (i % 2 == 0)
            {
                socket.Join(List);
            }

            socket.Join(i % 2 == 0 ? HalfA : HalfB);
        });

        // The store's only disposable is its sweeper timer, inert here: nothing to dispose.
        var history = new InMemoryHistoryStore(new HistoryOptions(), InertTimeProvider.Instance);
        _broker = new InMemoryBroker(history, new Outcry.Server.Push.SocketIoSink(_cluster.Io));
        _toLot = new Publication { Event = Samples.Event, Data = Samples.Data, Target = new PublicationTarget { Rooms = [Lot] } };

        // As samples/Auction/Push/OutcryPublisher.cs publishes a lot's state: its room and the list's, keyed by lot.
        _auction = _toLot with { Key = Lot, Target = new PublicationTarget { Rooms = [Lot, List] } };

        // Each path must reach every recipient exactly once, or its numbers mean nothing.
        (string Name, Func<int> Run)[] paths = [("Room", Room), ("RoomKeyed", RoomKeyed), ("TwoRooms", TwoRooms), ("Everyone", Everyone), ("Publish", Publish), ("PublishAuction", PublishAuction)];
        foreach (var (name, run) in paths)
        {
            var delivered = run();
            if (delivered != Recipients)
            {
                throw new InvalidOperationException($"{name} delivered {delivered} packets to {Recipients} recipients");
            }
        }
    }

    // The direct emits carry no stream position: positions come from the history (Publish*), and a socket skips
    // any position at or below the last it got, so made-up ones would silence the Publish benchmarks.

    /// <summary><c>io.to("lot:100").emit("m", data)</c>.</summary>
    [Benchmark(Baseline = true)]
    public int Room()
    {
        _cluster.Root.To(Lot).Emit(Samples.Event, _args);
        return _cluster.Drain();
    }

    /// <summary>The same with a supersede key (a backlogged connection keeps only the latest): the keyed-state path.</summary>
    [Benchmark]
    public int RoomKeyed()
    {
        _cluster.Root.To(Lot).Superseding(Lot).Emit(Samples.Event, _args);
        return _cluster.Drain();
    }

    /// <summary>To two disjoint rooms of N/2 each: the several-rooms path (each socket once).</summary>
    [Benchmark]
    public int TwoRooms()
    {
        _cluster.Root.To(HalfA).To(HalfB).Emit(Samples.Event, _args);
        return _cluster.Drain();
    }

    /// <summary>To every socket of the namespace (an announcement).</summary>
    [Benchmark]
    public int Everyone()
    {
        _cluster.Root.Everyone.Emit(Samples.Event, _args);
        return _cluster.Drain();
    }

    /// <summary>
    /// What <c>POST /api/publish {"room":"lot:100","event":"m","data":{…}}</c> does after parsing: the in-memory broker
    /// appends to history (position) and hands the publication to the host's sink, which emits it to the room.
    /// </summary>
    [Benchmark]
    public int Publish()
    {
        Completed(_broker.PublishAsync(_toLot));
        return _cluster.Drain();
    }

    /// <summary>The auction's publication: rooms "lot:100" and "lots", key "lot:100" (several rooms + supersede key).</summary>
    [Benchmark]
    public int PublishAuction()
    {
        Completed(_broker.PublishAsync(_auction));
        return _cluster.Drain();
    }

    // The in-memory broker delivers synchronously: its ValueTask is always complete.
    private static PublishResult Completed(ValueTask<PublishResult> publishing) =>
        publishing.IsCompletedSuccessfully ? publishing.Result : throw new InvalidOperationException("the in-memory broker did not complete synchronously");

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster.Engine.CloseAll();
    }
}
