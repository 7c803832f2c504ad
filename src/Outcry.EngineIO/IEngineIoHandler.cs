namespace Outcry.EngineIO;

/// <summary>
/// What sits above the engine (Socket.IO, or a raw echo server). Calls for one connection never overlap
/// and arrive in wire order.
/// </summary>
public interface IEngineIoHandler
{
    /// <summary>A session was opened (the open packet is already queued).</summary>
    void OnOpen(EngineSocket socket);

    /// <summary>A message packet arrived. The memory is owned by the callee from now on.</summary>
    void OnMessage(EngineSocket socket, EngineMessage message);

    /// <summary>The session closed; <paramref name="reason"/> is one of the reference server's reasons.</summary>
    void OnClose(EngineSocket socket, string reason);
}

/// <summary>An inbound message: UTF-8 text (without the '4' type) or raw binary.</summary>
public readonly record struct EngineMessage(ReadOnlyMemory<byte> Data, bool IsBinary);
