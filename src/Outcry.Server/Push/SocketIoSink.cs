using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>This node's fan-out: a publication becomes one Socket.IO event, encoded once for all its recipients.</summary>
internal sealed class SocketIoSink(SocketIoServer io) : IPublicationSink
{
    /// <summary>
    /// An event's arguments: its data (when it has some), then its offset (when it was kept) — as socket.io's
    /// connection state recovery sends them; the official client remembers the last offset to resume from it.
    /// </summary>
    public static object?[] ArgsOf(Publication publication)
    {
        var offset = publication.Position?.ToString();
        if (publication.SpreadData && publication.Data.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            object?[] spread = [.. publication.Data.EnumerateArray().Cast<object?>()];
            return offset is null ? spread : [.. spread, offset];
        }

        var hasData = publication.Data.ValueKind != System.Text.Json.JsonValueKind.Undefined;
        return (hasData, offset) switch
        {
            (true, null) => [publication.Data],
            (true, _) => [publication.Data, offset],
            (false, null) => [],
            (false, _) => [offset],
        };
    }

    /// <summary>
    /// What a later publication supersedes in a backlogged connection's queue: one with the same key to the same
    /// audience, in the same namespace (one connection carries every namespace). Null for a publication without key.
    /// </summary>
    public static string? SupersedeKeyOf(Publication publication)
    {
        var target = publication.Target;
        return publication.Key is null
            ? null
            : string.Join('\0', [publication.Namespace, publication.Key, target.Broadcast ? "*" : "", .. target.AllRooms(), "\u0001", .. target.Except]);
    }

    public int Deliver(Publication publication)
    {
        if (!io.TryGetNamespace(publication.Namespace, out var nsp))
        {
            return 0;
        }

        var target = publication.Target;
        var recipients = nsp.Everyone;
        if (!target.Broadcast)
        {
            foreach (var room in target.AllRooms())
            {
                recipients = recipients.To(room);
            }
        }

        foreach (var room in target.Except)
        {
            recipients = recipients.Except(room);
        }

        if (SupersedeKeyOf(publication) is { } key)
        {
            recipients = recipients.Superseding(key);
        }

        if (publication.Volatile)
        {
            recipients = recipients.Volatile;
        }

        return recipients.EmitOrdered(publication.Position?.Sequence ?? 0, publication.Event, ArgsOf(publication));
    }
}
