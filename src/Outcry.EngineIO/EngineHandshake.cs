using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Outcry.EngineIO;

/// <summary>What the opening HTTP request said, kept after that request is gone.</summary>
public sealed class EngineHandshake
{
    public EngineHandshake(HttpContext context, DateTimeOffset issued)
    {
        var request = context.Request;
        Query = request.Query.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Headers = new Dictionary<string, StringValues>(request.Headers, StringComparer.OrdinalIgnoreCase);
        RemoteAddress = context.Connection.RemoteIpAddress;
        Url = request.Path + request.QueryString;
        Secure = request.IsHttps;
        Issued = issued;
    }

    public IReadOnlyDictionary<string, StringValues> Query { get; }

    public IReadOnlyDictionary<string, StringValues> Headers { get; }

    public IPAddress? RemoteAddress { get; }

    public string Url { get; }

    public bool Secure { get; }

    public DateTimeOffset Issued { get; }
}
