using System.Text.Json;
using Outcry.EngineIO.Internal;

namespace Outcry.EngineIO;

/// <summary>The error codes of the reference server, answered as HTTP 400 (403 for Forbidden) with {"code","message"}.</summary>
public enum EngineIoError
{
    UnknownTransport = 0,
    UnknownSid = 1,
    BadHandshakeMethod = 2,
    BadRequest = 3,
    Forbidden = 4,
    UnsupportedProtocolVersion = 5,
}

internal static class EngineIoErrors
{
    public static string Message(EngineIoError error) => error switch
    {
        EngineIoError.UnknownTransport => "Transport unknown",
        EngineIoError.UnknownSid => "Session ID unknown",
        EngineIoError.BadHandshakeMethod => "Bad handshake method",
        EngineIoError.BadRequest => "Bad request",
        EngineIoError.Forbidden => "Forbidden",
        EngineIoError.UnsupportedProtocolVersion => "Unsupported protocol version",
        _ => "Bad request",
    };

    public static int StatusCode(EngineIoError error) => error == EngineIoError.Forbidden ? 403 : 400;

    /// <summary>The answer's JSON body, <c>{"code":…,"message":…}</c>.</summary>
    public static byte[] Body(EngineIoError error) =>
        JsonSerializer.SerializeToUtf8Bytes(new ErrorBody((int)error, Message(error)), EngineIoJsonContext.Default.ErrorBody);
}
