namespace Outcry.SocketIO;

/// <summary>
/// Thrown by a namespace middleware to refuse a connection; the client receives CONNECT_ERROR
/// <c>{"message":Message,"data":Data}</c> (its <c>connect_error</c> event, with <c>err.data</c>).
/// </summary>
public sealed class ConnectionRejectedException : Exception
{
    public ConnectionRejectedException()
        : this("Connection rejected")
    {
    }

    public ConnectionRejectedException(string message)
        : base(message)
    {
    }

    public ConnectionRejectedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ConnectionRejectedException(string message, object? data)
        : base(message)
    {
        ErrorData = data;
    }

    /// <summary>Sent to the client as <c>data</c>; serialised with System.Text.Json.</summary>
    public object? ErrorData { get; }
}
