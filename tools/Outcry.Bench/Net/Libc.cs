using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Outcry.Bench.Net;

/// <summary>
/// The few Linux calls the generator's clients make themselves (socket, connect, recv, send, epoll), so that receiving
/// costs what the kernel asks and little more: see <see cref="EpollLoop"/>. Numbers are Linux's, for x64 and arm64.
/// </summary>
internal static partial class Libc
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EINPROGRESS = 115;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLRDHUP = 0x2000;

    public const int IP_BIND_ADDRESS_NO_PORT = 24; // pick the port at connect(), not bind(): binding is then O(1)

    private const int AF_INET = 2;
    private const int SOCK_STREAM = 1;
    private const int SOCK_NONBLOCK = 0x800;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int IPPROTO_IP = 0;
    private const int IPPROTO_TCP = 6;
    private const int SOL_SOCKET = 1;
    private const int SO_ERROR = 4;
    private const int TCP_NODELAY = 1;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int SHUT_RDWR = 2;
    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_MOD = 3;

    // struct epoll_event is packed on x64 (12 bytes), naturally aligned elsewhere (16).
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize - 8;

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>A non-blocking TCP socket without Nagle, bound to <paramref name="source"/> with the port left to connect().</summary>
    public static int TcpSocket(IPAddress source)
    {
        var fd = Check(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        try
        {
            var one = 1;
            Check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, ref one, sizeof(int)));
            Check(setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, ref one, sizeof(int)));
            var address = SockAddr(new IPEndPoint(source, 0));
            Check(bind(fd, address, address.Length));
            return fd;
        }
        catch
        {
            _ = close(fd);
            throw;
        }
    }

    /// <summary>Starts connecting: true if already connected, false if in progress (the socket turns writable when done).</summary>
    public static bool StartConnect(int fd, IPEndPoint server)
    {
        var address = SockAddr(server);
        if (connect(fd, address, address.Length) == 0)
        {
            return true;
        }

        return Errno == EINPROGRESS ? false : throw new SocketException(Errno);
    }

    /// <summary>The error a finished connect() ended with (0: connected).</summary>
    public static int PendingError(int fd)
    {
        int error = 0, length = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, ref error, ref length) == 0 ? error : Errno;
    }

    public static nint Receive(int fd, Span<byte> buffer) => recv(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, 0);

    public static nint Send(int fd, ReadOnlySpan<byte> data) => send(fd, in MemoryMarshal.GetReference(data), data.Length, MSG_NOSIGNAL);

    public static void Shutdown(int fd) => _ = shutdown(fd, SHUT_RDWR);

    public static void Close(int fd) => _ = close(fd);

    public static int EpollCreate() => Check(epoll_create1(SOCK_CLOEXEC));

    public static void EpollAdd(int epoll, int fd, uint events) => EpollControl(epoll, EPOLL_CTL_ADD, fd, events);

    public static void EpollModify(int epoll, int fd, uint events) => EpollControl(epoll, EPOLL_CTL_MOD, fd, events);

    /// <summary>Waits for events; the count, or -1 with <see cref="Errno"/>.</summary>
    public static int EpollWait(int epoll, byte[] events, int timeoutMs) => epoll_wait(epoll, events, events.Length / EventSize, timeoutMs);

    /// <summary>The descriptor of the <paramref name="index"/>th ready socket (its events are not needed: see the client).</summary>
    public static int FdAt(byte[] events, int index) => (int)BitConverter.ToUInt64(events, (index * EventSize) + DataOffset);

    private static void EpollControl(int epoll, int op, int fd, uint events)
    {
        Span<byte> ev = stackalloc byte[16];
        ev.Clear();
        BitConverter.TryWriteBytes(ev, events);
        BitConverter.TryWriteBytes(ev[DataOffset..], (ulong)fd);
        Check(epoll_ctl(epoll, op, fd, ref MemoryMarshal.GetReference(ev)));
    }

    // struct sockaddr_in: family (host order), port (network order), IPv4 address, 8 bytes of zeros.
    private static byte[] SockAddr(IPEndPoint endPoint)
    {
        if (endPoint.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("IPv4 only", nameof(endPoint));
        }

        var address = new byte[16];
        BitConverter.TryWriteBytes(address, (ushort)AF_INET);
        address[2] = (byte)(endPoint.Port >> 8);
        address[3] = (byte)endPoint.Port;
        endPoint.Address.TryWriteBytes(address.AsSpan(4), out _);
        return address;
    }

    private static int Check(int result) => result >= 0 ? result : throw new SocketException(Errno);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, ref int value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, ref int value, ref int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, byte[] address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, byte[] address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, ref byte buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, in byte buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epoll, int op, int fd, ref byte ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epoll, [Out] byte[] events, int max, int timeoutMs);
}
