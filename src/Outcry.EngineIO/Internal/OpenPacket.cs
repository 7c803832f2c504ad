using System.Text.Json.Serialization;

namespace Outcry.EngineIO.Internal;

// Engine.IO v4 open packet data: 0{"sid":"…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
internal sealed record OpenPacket(
    [property: JsonPropertyName("sid")] string Sid,
    [property: JsonPropertyName("upgrades")] string[] Upgrades,
    [property: JsonPropertyName("pingInterval")] int PingInterval,
    [property: JsonPropertyName("pingTimeout")] int PingTimeout,
    [property: JsonPropertyName("maxPayload")] int MaxPayload);

internal sealed record ErrorBody(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(OpenPacket))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class EngineIoJsonContext : JsonSerializerContext;
