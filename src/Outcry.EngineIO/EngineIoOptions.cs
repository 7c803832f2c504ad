namespace Outcry.EngineIO;

/// <summary>Engine.IO server settings; defaults are those of the reference Node server.</summary>
public sealed class EngineIoOptions
{
    /// <summary>How often the server pings (Engine.IO v4 heartbeats are server-driven).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long after a ping the server waits for the pong before closing with "ping timeout".</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a WebSocket probe may take to complete the upgrade.</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest accepted message or polling POST body, in bytes (413 above it over polling).</summary>
    public int MaxHttpBufferSize { get; set; } = 1_000_000;

    /// <summary>Transports clients may use: "polling" and/or "websocket".</summary>
    public IList<string> Transports { get; set; } = ["polling", "websocket"];

    /// <summary>Whether a polling session may upgrade to WebSocket.</summary>
    public bool AllowUpgrades { get; set; } = true;

    /// <summary>
    /// Origins allowed to connect. Empty or containing "*": any origin. A request whose Origin header is
    /// not listed is refused with 403 {"code":4,"message":"Forbidden"}.
    /// </summary>
    public IList<string> AllowedOrigins { get; set; } = [];

    /// <summary>Packets waiting for one connection's transport before it is closed as a slow consumer.</summary>
    public int MaxQueuedPackets { get; set; } = 8192;

    /// <summary>
    /// From this many packets waiting for one connection on (capped at <see cref="MaxQueuedPackets"/>), the
    /// connection is backlogged: droppable (volatile) packets are dropped, and a packet with a supersede key
    /// replaces the ones with that key still waiting, so a slow reader gets the latest state sooner.
    /// </summary>
    public int BacklogThreshold { get; set; } = 1024;
}
