using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>
/// Keeps the presence store in step with the rooms of a namespace, and tells the members of the rooms named in
/// <c>Outcry:Presence:Events</c> who joined and left.
/// </summary>
internal sealed partial class PresenceTracker(IPresenceStore store, OutcryOptions options, ILogger<PresenceTracker> logger)
{
    public const string EventName = "presence";

    public void Attach(Namespace nsp) => nsp.OnRoomChange((socket, room) => Track(socket, room, true), (socket, room) => Track(socket, room, false));

    private void Track(SocketIoSocket socket, string room, bool joined)
    {
        if (room == socket.Id)
        {
            return;
        }

        var user = PushHub.IdentityOf(socket).UserId;
        var nsp = socket.Namespace;
        var change = joined ? store.JoinAsync(nsp.Name, room, socket.Id, user) : store.LeaveAsync(nsp.Name, room, socket.Id, user);
        if (change.IsCompletedSuccessfully)
        {
            Announce(nsp, room, user, joined, change.Result);
        }
        else
        {
            _ = AnnounceAsync(nsp, room, user, joined, change);
        }
    }

    private async Task AnnounceAsync(Namespace nsp, string room, string? user, bool joined, ValueTask<PresenceChange> change)
    {
        try
        {
            Announce(nsp, room, user, joined, await change.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            LogPresenceFailed(logger, nsp.Name, room, e);
        }
    }

    // {room, count, userCount} and, when a user's first connection joined or last one left, joined/left: the user.
    private void Announce(Namespace nsp, string room, string? user, bool joined, PresenceChange change)
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

        // Only the latest counts matter to a connection that fell behind.
        nsp.To(room).Superseding("\u0001presence\u0000" + nsp.Name + "\u0000" + room).Emit(EventName, data);
    }

    [LoggerMessage(301, LogLevel.Warning, "Presence of room '{Room}' in namespace {Namespace} could not be updated")]
    private static partial void LogPresenceFailed(ILogger logger, string @namespace, string room, Exception exception);
}
