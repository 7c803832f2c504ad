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

        return publication.Data.ValueKind == System.Text.Json.JsonValueKind.Undefined
            ? recipients.Emit(publication.Event)
            : recipients.Emit(publication.Event, publication.Data);
    }
}
