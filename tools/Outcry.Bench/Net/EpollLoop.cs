namespace Outcry.Bench.Net;

/// <summary>
/// One thread that serves every <see cref="WsClient"/> of the process from one epoll set, level-triggered: one
/// <c>recv</c> per ready socket and one <c>epoll_wait</c> per batch of them. With .NET's asynchronous sockets each
/// frame cost the generator about twice what the kernel asks: a second <c>recv</c> that finds nothing, the
/// operation's bookkeeping, the continuation. The generator shares the two cores with the server it measures, so
/// what it spends is taken from the server.
/// </summary>
internal sealed class EpollLoop
{
    private static readonly Lazy<EpollLoop> LazyShared = new(() => new EpollLoop());

    private readonly int _epoll = Libc.EpollCreate();

    // By file descriptor: a process has fewer than 20,000 here. Set before a client is added, cleared before its
    // descriptor is closed (and so before the number can be reused).
    private readonly WsClient?[] _clients = new WsClient?[1 << 16];

    private EpollLoop()
    {
        new Thread(Run) { IsBackground = true, Name = "epoll loop" }.Start();
    }

    public static EpollLoop Shared => LazyShared.Value;

    /// <summary>Starts watching <paramref name="client"/>'s socket for <paramref name="events"/>.</summary>
    public void Add(WsClient client, uint events)
    {
        Volatile.Write(ref _clients[client.Fd], client);
        Libc.EpollAdd(_epoll, client.Fd, events);
    }

    public void Modify(WsClient client, uint events) => Libc.EpollModify(_epoll, client.Fd, events);

    /// <summary>Forgets and closes a client's socket; on the loop's thread only.</summary>
    public void Close(WsClient client)
    {
        Volatile.Write(ref _clients[client.Fd], null);
        Libc.Close(client.Fd);
    }

    private void Run()
    {
        var events = new byte[256 * Libc.EventSize];
        while (true)
        {
            var count = Libc.EpollWait(_epoll, events, -1);
            if (count < 0)
            {
                if (Libc.Errno == Libc.EINTR)
                {
                    continue;
                }

                throw new System.Net.Sockets.SocketException(Libc.Errno);
            }

            for (var i = 0; i < count; i++)
            {
                Volatile.Read(ref _clients[Libc.FdAt(events, i)])?.OnReady();
            }
        }
    }
}
