using System.Text.Json;
using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>
/// Keeps the presence store in step with the rooms of sockets and EventSources, and tells the members of the rooms
/// named in <c>Outcry:Presence:Events</c> who joined and left.
/// </summary>
internal sealed partial class PresenceTracker(IPresenceStore store, IClusterCommands cluster, OutcryOptions options, ILogger<PresenceTracker> logger)
{
    public const string EventName = "presence";

    public void Attach(Namespace nsp) => nsp.OnRoomChange((socket, room) => OnSocket(socket, room, true), (socket, room) => OnSocket(socket, room, false));

    /// <summary>Records that a connection joined (or left) a room, and announces it where configured.</summary>
    public void Track(string ns, string room, string connectionId, string? user, bool joined)
    {
        var change = joined ? store.JoinAsync(ns, room, connectionId, user) : store.LeaveAsync(ns, room, connectionId, user);
        if (change.IsCompletedSuccessfully)
        {
            Announce(ns, room, user, joined, change.Result);
        }
        else
        {
            _ = AnnounceAsync(ns, room, user, joined, change);
        }
    }

    private void OnSocket(SocketIoSocket socket, string room, bool joined)
    {
        if (room != socket.Id)
        {
            Track(socket.Namespace.Name, room, socket.Id, PushHub.IdentityOf(socket).UserId, joined);
        }
    }

    private async Task AnnounceAsync(string ns, string room, string? user, bool joined, ValueTask<PresenceChange> change)
    {
        try
        {
            Announce(ns, room, user, joined, await change.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            LogPresenceFailed(logger, ns, room, e);
        }
    }

    // {room, count, userCount} and, when a user's first connection joined or last one left, joined/left: the user.
    private void Announce(string ns, string room, string? user, bool joined, PresenceChange change)
    {
        if (options.Presence.Events.Count == 0 || !Glob.AnyMatch(options.Presence.Events, room))
        {
            return;
        }

        var data = new Dictionary<string, object?> { ["room"] = room, ["count"] = change.Count, ["userCount"] = change.UserCount };
        if (change.UserChanged)
        {
            data[joined ? "joined" : "left"] = user;
        }

        // To the room's members on every node; only the latest counts matter to a connection that fell behind.
        var announce = new ConnectionCommand
        {
            Kind = ConnectionCommandKind.Announce,
            Namespace = ns,
            Rooms = [room],
            Event = EventName,
            Data = JsonSerializer.SerializeToElement(data),
        };
        var sent = cluster.RunAsync(announce);
        if (!sent.IsCompletedSuccessfully)
        {
            _ = LogFailureAsync(ns, room, sent);
        }
    }

    private async Task LogFailureAsync(string ns, string room, Task sent)
    {
        try
        {
            await sent.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogPresenceFailed(logger, ns, room, e);
        }
    }

    [LoggerMessage(301, LogLevel.Warning, "Presence of room '{Room}' in namespace {Namespace} could not be updated")]
    private static partial void LogPresenceFailed(ILogger logger, string @namespace, string room, Exception exception);
}
