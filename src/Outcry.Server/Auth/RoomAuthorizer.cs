using System.Net;
using System.Text.Json;
using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Auth;

/// <summary>
/// Whether a client may join a room it asked for (a socket's <c>subscribe</c>, an SSE request's rooms): a public room
/// or one its identity grants, yes; another private room only if the subscribe proxy says so.
/// </summary>
internal sealed class RoomAuthorizer(OutcryOptions options, RoomAccess access, BackendProxy proxy)
{
    /// <summary>Null when the client may join; otherwise why not, in words for the client.</summary>
    public async Task<string?> RefusalAsync(ClientIdentity identity, SocketIoHandshake handshake, string ns, string? room, string clientId)
    {
        switch (access.Decide(identity, room))
        {
            case RoomDecision.Invalid:
                return RoomNames.Validate(room) ?? "invalid room";
            case RoomDecision.Allowed:
                return null;
        }

        if (!options.Proxy.Subscribe.Enabled)
        {
            return $"room '{room}' is private";
        }

        var answer = await proxy.PostAsync(options.Proxy.Subscribe, "subscribe", handshake, new
        {
            @namespace = ns,
            room,
            user = identity.UserId,
            info = JsonValues.OrNull(identity.Info),
            client = clientId,
        }).ConfigureAwait(false);
        if (answer.IsSuccess && !(answer.Body.ValueKind == JsonValueKind.Object && answer.Body.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False))
        {
            return null;
        }

        return answer.Failure switch
        {
            BackendFailure.Timeout => "subscribe backend timed out",
            BackendFailure.Unreachable => "subscribe backend unavailable",
            BackendFailure.BadAnswer => "subscribe backend gave an invalid answer",
            _ when answer.Status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized || answer.IsSuccess
                => answer.Message() ?? $"not allowed to join room '{room}'",
            _ => $"subscribe backend error (HTTP {(int)answer.Status})",
        };
    }
}
