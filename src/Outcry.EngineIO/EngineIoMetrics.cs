namespace Outcry.EngineIO;

/// <summary>Counters the host exports (Prometheus text at /metrics). Updated with Interlocked; read any time.</summary>
public sealed class EngineIoMetrics
{
    internal long PollingConnections;
    internal long WebSocketConnections;
    internal long Handshakes;
    internal long Upgrades;
    internal long HandshakeErrors;
    internal long TransportErrors;
    internal long PacketsIn;
    internal long PacketsOut;
    internal long BytesIn;
    internal long BytesOut;
    internal long SlowConsumers;
    internal long Conflated;
    internal long Dropped;

    public long CurrentPollingConnections => Interlocked.Read(ref PollingConnections);
    public long CurrentWebSocketConnections => Interlocked.Read(ref WebSocketConnections);
    public long TotalHandshakes => Interlocked.Read(ref Handshakes);
    public long TotalUpgrades => Interlocked.Read(ref Upgrades);
    public long TotalHandshakeErrors => Interlocked.Read(ref HandshakeErrors);
    public long TotalTransportErrors => Interlocked.Read(ref TransportErrors);
    public long TotalPacketsIn => Interlocked.Read(ref PacketsIn);
    public long TotalPacketsOut => Interlocked.Read(ref PacketsOut);
    public long TotalBytesIn => Interlocked.Read(ref BytesIn);
    public long TotalBytesOut => Interlocked.Read(ref BytesOut);
    public long TotalSlowConsumers => Interlocked.Read(ref SlowConsumers);

    /// <summary>Queued packets a later one with the same supersede key replaced in a backlogged queue.</summary>
    public long TotalConflated => Interlocked.Read(ref Conflated);

    /// <summary>Droppable packets not queued because their connection was backlogged.</summary>
    public long TotalDropped => Interlocked.Read(ref Dropped);
}
