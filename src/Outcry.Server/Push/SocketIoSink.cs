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
        var hasData = publication.Data.ValueKind != System.Text.Json.JsonValueKind.Undefined;
        return (hasData, offset) switch
        {
            (true, null) => [publication.Data],
            (true, _) => [publication.Data, offset],
            (false, null) => [],
            (false, _) => [offset],
        };
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

        if (publication.Key is not null)
        {
            // What a later publication supersedes: the same key to the same audience (one connection carries every namespace).
            recipients = recipients.Superseding(string.Join('\0', [publication.Namespace, publication.Key, target.Broadcast ? "*" : "", .. target.AllRooms(), "\u0001", .. target.Except]));
        }

        if (publication.Volatile)
        {
            recipients = recipients.Volatile;
        }

        return recipients.EmitOrdered(publication.Position?.Sequence ?? 0, publication.Event, ArgsOf(publication));
    }
}
