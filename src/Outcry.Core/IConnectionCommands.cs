using System.Text.Json;

namespace Outcry.Core;

/// <summary>
/// An operation on the connections that some rooms select (socket.io's <c>socketsJoin</c>, <c>socketsLeave</c> and
/// <c>disconnectSockets</c>, the API's subscribe, unsubscribe and disconnect), or an event for a room's members that
/// is not a publication (presence). No <see cref="Rooms"/> selects every connection of the namespace; a connection in
/// any <see cref="Except"/> room is left out; no <see cref="Namespace"/> means every namespace.
/// </summary>
public sealed record ConnectionCommand
{
    public required ConnectionCommandKind Kind { get; init; }

    public string? Namespace { get; init; }

    public IReadOnlyList<string> Rooms { get; init; } = [];

    public IReadOnlyList<string> Except { get; init; } = [];

    /// <summary>The rooms to join or leave.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Disconnect: also close the underlying connection (all its namespaces).</summary>
    public bool Close { get; init; }

    /// <summary>Announce: the event and its data, sent to the members of <see cref="Rooms"/> (each room once).</summary>
    public string? Event { get; init; }

    public JsonElement Data { get; init; }
}

// Numbered from 1: a command's kind is never its type's default (which serializers may leave out).
public enum ConnectionCommandKind
{
    Join = 1,
    Leave,
    Disconnect,
    Announce,
}

/// <summary>Runs connection commands on this node's connections.</summary>
public interface IConnectionCommands
{
    /// <returns>How many connections the command selected here.</returns>
    int Run(ConnectionCommand command);
}

/// <summary>Runs connection commands on every node of the service (this one included).</summary>
public interface IClusterCommands
{
    /// <returns>How many connections the command selected on all the nodes that answered.</returns>
    Task<int> RunAsync(ConnectionCommand command, CancellationToken cancellationToken = default);
}

/// <summary>One node: the commands run here.</summary>
public sealed class LocalClusterCommands(IConnectionCommands local) : IClusterCommands
{
    public Task<int> RunAsync(ConnectionCommand command, CancellationToken cancellationToken = default) => Task.FromResult(local.Run(command));
}
