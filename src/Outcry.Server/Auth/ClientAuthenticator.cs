using System.Net;
using System.Text.Json;
using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Auth;

/// <summary>
/// Decides who a connecting client is, in this order: a backend presenting the API key (<c>auth.apiKey</c>) is
/// trusted; a token (<c>auth.token</c> or <c>?token=</c>) is checked as a JWT; otherwise the connect proxy, when
/// configured, asks the site's backend; otherwise the client is anonymous — unless authentication is required.
/// </summary>
internal sealed class ClientAuthenticator(OutcryOptions options, ApiKey apiKey, JwtAuthenticator? jwt, BackendProxy proxy)
{
    public Task<ClientIdentity> AuthenticateAsync(SocketIoSocket socket) =>
        AuthenticateAsync(socket.Handshake, socket.Namespace.Name, socket.Transport);

    /// <summary>
    /// Authenticates any client by what it presented: a socket's handshake, or an SSE request's (no auth payload;
    /// <paramref name="bearer"/> is its <c>Authorization: Bearer</c> token).
    /// </summary>
    public async Task<ClientIdentity> AuthenticateAsync(SocketIoHandshake handshake, string ns, string transport, string? bearer = null)
    {
        var auth = handshake.Auth;
        if (auth.ValueKind == JsonValueKind.Object && auth.TryGetProperty("apiKey", out var key))
        {
            if (!apiKey.Accepts(key.ValueKind == JsonValueKind.String ? key.GetString() : null, handshake.Address))
            {
                throw AuthFailure.Reject("invalid_api_key", "invalid API key");
            }

            return new ClientIdentity { Trusted = true };
        }

        var token = TokenOf(handshake) ?? bearer;
        ClientIdentity? identity = null;
        if (token is not null && jwt is not null)
        {
            identity = await jwt.AuthenticateAsync(token).ConfigureAwait(false);
        }
        else if (options.Proxy.Connect.Enabled)
        {
            identity = await AskBackendAsync(handshake, ns, transport).ConfigureAwait(false);
        }
        else if (token is not null)
        {
            throw AuthFailure.Reject("token_not_accepted", "invalid token: this server has no JWT key configured");
        }

        identity ??= ClientIdentity.Anonymous;
        if (options.Auth.Required && !identity.IsAuthenticated)
        {
            throw AuthFailure.Reject("auth_required", "authentication required");
        }

        return identity;
    }

    private static string? TokenOf(SocketIoHandshake handshake)
    {
        if (handshake.Auth.ValueKind == JsonValueKind.Object && handshake.Auth.TryGetProperty("token", out var token)
            && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } fromAuth)
        {
            return fromAuth;
        }

        return handshake.Query.TryGetValue("token", out var query) && query.Count > 0 && !string.IsNullOrEmpty(query[0]) ? query[0] : null;
    }

    // The connect proxy: 200 {user, rooms, info} (user null or absent: anonymous); 401/403 refuse the connection.
    private async Task<ClientIdentity?> AskBackendAsync(SocketIoHandshake handshake, string ns, string transport)
    {
        var answer = await proxy.PostAsync(options.Proxy.Connect, "connect", handshake, new
        {
            @namespace = ns,
            transport,
            query = handshake.Query.ToDictionary(p => p.Key, p => p.Value.ToString()),
            auth = handshake.Auth,
            address = handshake.Address?.ToString(),
        }).ConfigureAwait(false);

        if (answer.IsSuccess)
        {
            var identity = IdentityClaims.Read(answer.Body, "backend", "user");
            return identity ?? ClientIdentity.Anonymous with { Rooms = IdentityClaims.ReadRooms(answer.Body) };
        }

        throw answer.Failure switch
        {
            BackendFailure.Timeout => AuthFailure.Reject("auth_backend_timeout", "authentication backend timed out"),
            BackendFailure.Unreachable => AuthFailure.Reject("auth_backend_unavailable", "authentication backend unavailable"),
            BackendFailure.BadAnswer => AuthFailure.Reject("auth_backend_error", "authentication backend gave an invalid answer"),
            _ => answer.Status switch
            {
                HttpStatusCode.Unauthorized => AuthFailure.Reject("unauthorized", answer.Message() ?? "unauthorized"),
                HttpStatusCode.Forbidden => AuthFailure.Reject("forbidden", answer.Message() ?? "forbidden"),
                _ => AuthFailure.Reject("auth_backend_error", $"authentication backend error (HTTP {(int)answer.Status})"),
            },
        };
    }
}
