namespace Outcry.Core;

/// <summary>What makes a publication acceptable, whichever way it came in (HTTP API, trusted socket, queue).</summary>
public static class PublicationRules
{
    // socket.io reserves these names on the client; a publication under one of them would never reach a handler.
    private static readonly string[] ReservedEvents =
        ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    /// <summary>Null when <paramref name="publication"/> can be published, else why not (a message for the publisher).</summary>
    public static string? Validate(Publication publication)
    {
        if (!publication.Namespace.StartsWith('/'))
        {
            return "namespace must start with '/'";
        }

        if (RoomNames.Validate(publication.Event, "event") is { } badEvent)
        {
            return badEvent;
        }

        if (ReservedEvents.Contains(publication.Event))
        {
            return $"event '{publication.Event}' is reserved by socket.io";
        }

        if (publication.Id is not null && RoomNames.Validate(publication.Id, "id") is { } badId)
        {
            return badId;
        }

        if (publication.Key is not null)
        {
            if (RoomNames.Validate(publication.Key, "key") is { } badKey)
            {
                return badKey;
            }

            if (publication.Volatile)
            {
                return "a publication with a key is state and cannot be volatile";
            }
        }

        var target = publication.Target;
        var kinds = (target.Rooms.Count > 0 ? 1 : 0) + (target.Users.Count > 0 ? 1 : 0) + (target.Broadcast ? 1 : 0);
        if (kinds != 1)
        {
            return "name exactly one target: room, rooms, user, users or broadcast:true";
        }

        foreach (var room in target.Rooms)
        {
            if (RoomNames.Validate(room) is { } bad)
            {
                return bad;
            }
        }

        foreach (var user in target.Users)
        {
            if (RoomNames.Validate(user, "user") is { } bad)
            {
                return bad;
            }
        }

        foreach (var room in target.Except)
        {
            if (RoomNames.Validate(room, "except entry") is { } bad)
            {
                return bad;
            }
        }

        return null;
    }
}
