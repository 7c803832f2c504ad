namespace Outcry.Core;

/// <summary>
/// Which rooms are private, and whether a connection may join one. A public room is open to anyone who asks; a
/// private one (<c>user:*</c> always, plus the configured patterns) only to an identity that grants it, or when the
/// site's backend says yes (the subscribe proxy, asked by the host).
/// </summary>
public sealed class RoomAccess(IEnumerable<string> privatePatterns)
{
    private readonly string[] _privatePatterns = [.. privatePatterns];

    public bool IsPrivate(string room) => room.StartsWith(RoomNames.UserPrefix, StringComparison.Ordinal) || Glob.AnyMatch(_privatePatterns, room);

    public RoomDecision Decide(ClientIdentity identity, string? room)
    {
        if (RoomNames.Validate(room) is not null)
        {
            return RoomDecision.Invalid;
        }

        if (!IsPrivate(room!) || identity.Grants(room!))
        {
            return RoomDecision.Allowed;
        }

        return RoomDecision.Private;
    }
}

public enum RoomDecision
{
    /// <summary>Not a usable room name.</summary>
    Invalid,

    /// <summary>Public, or granted by the identity.</summary>
    Allowed,

    /// <summary>Private and not granted by the identity: only the site's backend can allow it.</summary>
    Private,
}
