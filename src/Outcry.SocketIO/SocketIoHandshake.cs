using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Outcry.EngineIO;

namespace Outcry.SocketIO;

/// <summary>What a socket presented when it joined its namespace: the CONNECT auth payload and the opening request.</summary>
public sealed class SocketIoHandshake
{
    /// <summary>Also for other transports (Server-Sent Events) that authenticate as sockets do.</summary>
    public SocketIoHandshake(EngineHandshake engine, JsonElement auth)
    {
        Engine = engine;
        Auth = auth.ValueKind == JsonValueKind.Undefined ? EmptyObject : auth;
    }

    private static JsonElement EmptyObject { get; } = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The CONNECT packet's payload (<c>{}</c> when the client sent none).</summary>
    public JsonElement Auth { get; }

    public EngineHandshake Engine { get; }

    public IReadOnlyDictionary<string, StringValues> Query => Engine.Query;

    public IReadOnlyDictionary<string, StringValues> Headers => Engine.Headers;

    public IPAddress? Address => Engine.RemoteAddress;

    public DateTimeOffset Issued => Engine.Issued;
}
