namespace Outcry.Core;

/// <summary>
/// Operations a backend asks of the connections that some rooms select on this node (socket.io's
/// <c>socketsJoin</c>, <c>socketsLeave</c> and <c>disconnectSockets</c>). No rooms selects every connection of the
/// namespace; a connection in any <c>except</c> room is left out.
/// </summary>
public interface IConnectionCommands
{
    /// <returns>How many connections were selected here.</returns>
    int Join(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except, IReadOnlyList<string> join);

    int Leave(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except, IReadOnlyList<string> leave);

    /// <param name="close">Also close the underlying connection (all its namespaces), not only this namespace's socket.</param>
    int Disconnect(string ns, IReadOnlyList<string> rooms, IReadOnlyList<string> except, bool close);
}
