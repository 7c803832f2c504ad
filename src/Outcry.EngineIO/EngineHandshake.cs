using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Outcry.EngineIO;

/// <summary>What the opening HTTP request said, kept after that request is gone.</summary>
public sealed class EngineHandshake
{
    public EngineHandshake(HttpContext context, DateTimeOffset issued)
        : this(
            context.Request.Query,
            context.Request.Headers,
            context.Connection.RemoteIpAddress,
            context.Request.Path + context.Request.QueryString,
            context.Request.IsHttps,
            issued)
    {
    }

    /// <summary>From a request read below the HTTP layer (<see cref="DirectEngineIo"/>).</summary>
    internal EngineHandshake(
        IEnumerable<KeyValuePair<string, StringValues>> query,
        IEnumerable<KeyValuePair<string, StringValues>> headers,
        IPAddress? remoteAddress,
        string url,
        bool secure,
        DateTimeOffset issued)
    {
        Query = new SmallDictionary<StringValues>(StringComparer.Ordinal, query.Select(p => KeyValuePair.Create(Shared(p.Key), p.Value.Count == 1 ? new StringValues(Shared(p.Value[0]!)) : p.Value)));
        Headers = new SmallDictionary<StringValues>(StringComparer.OrdinalIgnoreCase, headers);
        RemoteAddress = remoteAddress;
        Url = url;
        Secure = secure;
        Issued = issued;
    }

    public IReadOnlyDictionary<string, StringValues> Query { get; }

    public IReadOnlyDictionary<string, StringValues> Headers { get; }

    public IPAddress? RemoteAddress { get; }

    public string Url { get; }

    public bool Secure { get; }

    public DateTimeOffset Issued { get; }

    // Kept for the session's life: "EIO", "4", "transport", "websocket" are literals of this code, so every session
    // can share the interned instance instead of holding copies.
    private static string Shared(string text) => string.IsInterned(text) ?? text;
}
