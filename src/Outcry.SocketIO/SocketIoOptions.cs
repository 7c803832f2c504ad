namespace Outcry.SocketIO;

/// <summary>Socket.IO server settings; defaults are the reference server's.</summary>
public sealed class SocketIoOptions
{
    /// <summary>How long a new connection may stay without joining any namespace before it is closed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Most binary attachments one packet may announce; more is a protocol violation.</summary>
    public int MaxAttachments { get; set; } = 10;
}
