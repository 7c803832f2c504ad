namespace Outcry.SocketIO;

/// <summary>Answers an event the peer emitted with an acknowledgement callback. Only the first call is sent.</summary>
public delegate void Ack(params object?[] args);
