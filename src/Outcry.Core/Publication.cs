using System.Text.Json;

namespace Outcry.Core;

/// <summary>
/// One message a backend publishes: an event with its data, for the connections a <see cref="Target"/> selects in
/// one namespace. Protocol-free: the transport layer turns it into its own packets, encoded once per wire format.
/// </summary>
public sealed record Publication
{
    /// <summary>The Socket.IO namespace ("/" unless told otherwise).</summary>
    public string Namespace { get; init; } = "/";

    public required string Event { get; init; }

    /// <summary>The event's single argument; <see cref="JsonValueKind.Undefined"/> for an event without one.</summary>
    public JsonElement Data { get; init; }

    /// <summary>
    /// <see cref="Data"/> is an array of the event's arguments, for an event with several (as the socket.io emitter
    /// sends <c>emit("ev", a, b)</c>): Socket.IO clients get them as separate arguments, SSE clients the array.
    /// </summary>
    public bool SpreadData { get; init; }

    public required PublicationTarget Target { get; init; }

    /// <summary>Marks the publication as the room's current state for this key (e.g. "lot"): the latest per key is kept.</summary>
    public string? Key { get; init; }

    /// <summary>
    /// The publisher's id for it: publishing the same id again within <see cref="HistoryOptions.IdWindow"/> publishes
    /// nothing and answers with the first one's position, so a retry after a lost answer or a queue's redelivery
    /// never reaches clients twice.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>Not kept in history and given no position: a client that misses it never gets it (typing indicators…).</summary>
    public bool Volatile { get; init; }

    /// <summary>Assigned by the history when the publication is accepted; null for a volatile one.</summary>
    public StreamPosition? Position { get; init; }

    /// <summary>When the publication was accepted (server clock).</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The history streams that keep it: its rooms (users' rooms included), or its namespace's broadcast stream.</summary>
    public IEnumerable<string> HistoryRooms() => Target.Broadcast ? [IHistoryStore.BroadcastRoom] : Target.AllRooms();
}

/// <summary>
/// Who receives a publication: the members of some rooms, the connections of some users (their <c>user:{id}</c>
/// rooms), or everyone in the namespace — less the members of the <see cref="Except"/> rooms (a connection id is
/// a room of its own, so one connection can be left out).
/// </summary>
public sealed record PublicationTarget
{
    public IReadOnlyList<string> Rooms { get; init; } = [];

    public IReadOnlyList<string> Users { get; init; } = [];

    public bool Broadcast { get; init; }

    public IReadOnlyList<string> Except { get; init; } = [];

    /// <summary>The rooms to deliver to: the named rooms and the users' rooms, each once.</summary>
    public IEnumerable<string> AllRooms() => Users.Count == 0 && Rooms.Count <= 1
        ? Rooms // the common case, without the set that Distinct makes on every call (three per publication)
        : Rooms.Concat(Users.Select(RoomNames.ForUser)).Distinct(StringComparer.Ordinal);
}
