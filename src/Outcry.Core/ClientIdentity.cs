using System.Text.Json;

namespace Outcry.Core;

/// <summary>
/// Who a connection is, as its token or the site's backend said: the user id (null for an anonymous visitor), the
/// rooms it may be in (exact names are joined at connect; patterns with <c>*</c>/<c>?</c> only allow a later
/// subscribe), free-form info for the application, and whether it is a trusted backend that may publish.
/// </summary>
public sealed record ClientIdentity
{
    public static ClientIdentity Anonymous { get; } = new();

    public string? UserId { get; init; }

    public IReadOnlyList<string> Rooms { get; init; } = [];

    /// <summary>The token's or backend's <c>info</c>; Undefined when none was given.</summary>
    public JsonElement Info { get; init; }

    /// <summary>A backend connected with the API key (seed 003's elephant.io pattern): may publish.</summary>
    public bool Trusted { get; init; }

    public bool IsAuthenticated => UserId is not null;

    /// <summary>The rooms joined at connect: the user's own room and the exact names among <see cref="Rooms"/>.</summary>
    public IEnumerable<string> RoomsToJoin()
    {
        if (UserId is not null)
        {
            yield return RoomNames.ForUser(UserId);
        }

        foreach (var room in Rooms)
        {
            if (!Glob.HasWildcards(room))
            {
                yield return room;
            }
        }
    }

    /// <summary>Whether this identity itself grants <paramref name="room"/> (its own user room, or a name or pattern it was given).</summary>
    public bool Grants(string room) =>
        Trusted
        || (UserId is not null && room == RoomNames.ForUser(UserId))
        || Glob.AnyMatch(Rooms, room);
}
