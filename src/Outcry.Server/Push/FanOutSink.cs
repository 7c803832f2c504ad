using Outcry.Core;

namespace Outcry.Server.Push;

/// <summary>This node's fan-out to every kind of connection (sockets, EventSources), in the broker's order.</summary>
internal sealed class FanOutSink(params IPublicationSink[] sinks) : IPublicationSink
{
    public int Deliver(Publication publication)
    {
        var recipients = 0;
        foreach (var sink in sinks)
        {
            recipients += sink.Deliver(publication);
        }

        return recipients;
    }
}
