using Outcry.EngineIO;

namespace Outcry.Conformance;

/// <summary>The engine.io-protocol suite's server: every message, text or binary, is sent back as it came.</summary>
internal sealed class EchoHandler : IEngineIoHandler
{
    public void OnOpen(EngineSocket socket)
    {
    }

    public void OnMessage(EngineSocket socket, EngineMessage message) =>
        socket.Send(message.IsBinary ? EnginePacket.Binary(message.Data) : EnginePacket.Message(message.Data.Span));

    public void OnClose(EngineSocket socket, string reason)
    {
    }
}
