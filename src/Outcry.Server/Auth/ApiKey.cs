using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Outcry.Server.Auth;

/// <summary>
/// The backend's key. With one configured, a caller must present it; with none, only loopback callers are served
/// (a development default: set a key before exposing the port).
/// </summary>
internal sealed class ApiKey(string? key)
{
    private readonly byte[]? _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);

    public bool IsConfigured => _key is not null;

    public bool Accepts(string? presented, IPAddress? caller)
    {
        if (_key is null)
        {
            return caller is not null && IPAddress.IsLoopback(caller);
        }

        // Constant time: the comparison does not tell how much of a guess was right.
        return presented is not null && CryptographicOperations.FixedTimeEquals(_key, Encoding.UTF8.GetBytes(presented));
    }

    /// <summary>Lets through only requests this key accepts; the others get 401 with a JSON error.</summary>
    public async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (Accepts(From(http.Request), http.Connection.RemoteIpAddress))
        {
            return await next(context).ConfigureAwait(false);
        }

        return IsConfigured ? Api.ApiError.Unauthorized() : Api.ApiError.LoopbackOnly();
    }

    /// <summary>The key an HTTP request presents: <c>X-Api-Key</c>, or <c>Authorization: Bearer …</c>.</summary>
    public static string? From(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && header.Count > 0)
        {
            return header[0];
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}
