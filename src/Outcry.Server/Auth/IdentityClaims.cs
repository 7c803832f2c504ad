using System.Text.Json;
using Outcry.Core;

namespace Outcry.Server.Auth;

/// <summary>
/// Reads an identity from a JWT payload (<c>sub</c>, <c>rooms</c>, <c>info</c>) or a connect-proxy answer
/// (<c>user</c>, <c>rooms</c>, <c>info</c>). A user id may be a string or a number; <c>rooms</c> a list or one name.
/// </summary>
internal static class IdentityClaims
{
    /// <summary>Null when the user claim is missing or empty.</summary>
    public static ClientIdentity? Read(JsonElement claims, string source, string userClaim = "sub")
    {
        if (claims.ValueKind != JsonValueKind.Object || !claims.TryGetProperty(userClaim, out var user))
        {
            return null;
        }

        var userId = PublicationEnvelope.StringOrNumber(user);
        if (string.IsNullOrEmpty(userId))
        {
            return null;
        }

        if (RoomNames.Validate(userId, $"{source} user id") is { } bad)
        {
            throw AuthFailure.Reject("invalid_user", bad);
        }

        return new ClientIdentity
        {
            UserId = userId,
            Rooms = ReadRooms(claims),
            Info = claims.TryGetProperty("info", out var info) ? info.Clone() : default,
        };
    }

    public static IReadOnlyList<string> ReadRooms(JsonElement claims)
    {
        if (claims.ValueKind != JsonValueKind.Object || !claims.TryGetProperty("rooms", out var rooms))
        {
            return [];
        }

        return rooms.ValueKind switch
        {
            JsonValueKind.String => [rooms.GetString()!],
            JsonValueKind.Array => [.. rooms.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)],
            _ => [],
        };
    }
}
