namespace Outcry.Core;

/// <summary>Room naming rules shared by every entry point (query, subscribe, HTTP API, queues).</summary>
public static class RoomNames
{
    /// <summary>Prefix of a user's private room: every connection of user 42 is in <c>user:42</c>.</summary>
    public const string UserPrefix = "user:";

    /// <summary>Longest room name, user id or event name accepted.</summary>
    public const int MaxLength = 256;

    public static string ForUser(string userId) => UserPrefix + userId;

    /// <summary>Null when <paramref name="name"/> is a usable room name, else why it is not.</summary>
    public static string? Validate(string? name, string what = "room")
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"{what} must be a non-empty string";
        }

        if (name.Length > MaxLength)
        {
            return $"{what} is longer than {MaxLength} characters";
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"{what} contains a control character";
            }
        }

        return null;
    }
}
