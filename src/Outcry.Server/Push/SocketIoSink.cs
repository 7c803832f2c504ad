using Outcry.Core;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>This node's fan-out: a publication becomes one Socket.IO event, encoded once for all its recipients.</summary>
internal sealed class SocketIoSink(SocketIoServer io) : IPublicationSink
{
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

        // As socket.io's connection state recovery: the offset rides as the event's last argument, and the
        // official client remembers the last one it saw to resume from it.
        var offset = publication.Position?.ToString();
        var hasData = publication.Data.ValueKind != System.Text.Json.JsonValueKind.Undefined;
        return (hasData, offset) switch
        {
            (true, null) => recipients.Emit(publication.Event, publication.Data),
            (true, _) => recipients.Emit(publication.Event, publication.Data, offset),
            (false, null) => recipients.Emit(publication.Event),
            (false, _) => recipients.Emit(publication.Event, offset),
        };
    }
}
