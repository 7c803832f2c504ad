using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Outcry.Core;
using Outcry.Server.Api;
using Outcry.Server.Auth;
using Outcry.SocketIO;

namespace Outcry.Server.Push;

/// <summary>
/// The push service's behaviour on a namespace: authenticate at CONNECT, join the identity's and the query's rooms,
/// and serve the client events <c>subscribe</c>/<c>unsubscribe</c>, <c>publish</c> (trusted backends) and RPC
/// (every other event sent with an ack, when the RPC proxy is configured).
/// </summary>
internal sealed partial class PushHub(
    OutcryOptions options, ClientAuthenticator authenticator, RoomAccess access, RoomAuthorizer authorizer, Publisher publisher, BackendProxy proxy,
    IHistoryStore history,
    ILogger<PushHub> logger)
{
    public const string IdentityKey = "outcry.identity";
    private const string RpcInFlightKey = "outcry.rpc";

    public static ClientIdentity IdentityOf(SocketIoSocket socket) =>
        socket.Data.TryGetValue(IdentityKey, out var identity) ? (ClientIdentity)identity! : ClientIdentity.Anonymous;

    public void Attach(Namespace nsp)
    {
        nsp.Use(async socket =>
        {
            socket.Data[IdentityKey] = await authenticator.AuthenticateAsync(socket).ConfigureAwait(false);

            // Where this connection starts: a recovering client that never received an event resumes from here. When
            // the history cannot say (Redis unreachable), the client connects all the same, without recovery.
            try
            {
                socket.Data[Recovery.StartKey] = await history.LatestAsync().ConfigureAwait(false);
            }
            catch (EngineUnavailableException e)
            {
                LogNoStart(logger, socket.Id, e.Message);
            }
        });
        nsp.OnConnection(OnConnection);

        // Registered once for the namespace, not on each socket: an idle connection holds no handlers.
        nsp.On("subscribe", SubscribeAsync);
        nsp.On("unsubscribe", Unsubscribe);
    }

    /// <summary>
    /// Joins <paramref name="room"/> and sends its current state (the latest publication of each key) at once, before
    /// any live event of the room. State events carry no offset: that is how a client tells a snapshot from an update.
    /// </summary>
    public async Task JoinAsync(SocketIoSocket socket, string room)
    {
        try
        {
            await socket.JoinWithSnapshotAsync(room, async () =>
            {
                var state = await history.StateAsync(socket.Namespace.Name, room).ConfigureAwait(false);
                return [.. state.Select(p => new MissedEvent(p.Event, SocketIoSink.ArgsOf(p with { Position = null }), 0))];
            }).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogStateFailed(logger, socket.Id, room, e);
        }
    }

    private void OnConnection(SocketIoSocket socket)
    {
        var identity = IdentityOf(socket);
        var rooms = identity.RoomsToJoin().ToList();
        foreach (var room in options.Rooms.FromQuery(socket.Handshake.Query))
        {
            // A query parameter never joins a private room, whatever the identity: only subscribe may.
            if (RoomNames.Validate(room) is null && !access.IsPrivate(room!))
            {
                rooms.Add(room!);
            }
            else
            {
                LogQueryRoomRefused(logger, socket.Id, room);
            }
        }

        // A recovered socket is back in its rooms and got the exact gap instead of the state.
        if (!socket.Recovered)
        {
            foreach (var room in rooms)
            {
                _ = JoinAsync(socket, room);
            }
        }

        if (identity.Trusted)
        {
            socket.On("publish", (args, ack) => PublishAsync(args, ack));
        }

        if (options.Proxy.Rpc.Enabled)
        {
            socket.OnAny((name, args, ack) => RpcAsync(socket, name, args, ack));
        }
    }

    // subscribe {room} (or "room") → ack {ok:true} | {ok:false, error}
    private async Task SubscribeAsync(SocketIoSocket socket, SocketIoArgs args, Ack? ack)
    {
        var room = RoomArgument(args);
        var refusal = await authorizer.RefusalAsync(IdentityOf(socket), socket.Handshake, socket.Namespace.Name, room, socket.Id).ConfigureAwait(false);
        if (refusal is not null)
        {
            ack?.Invoke(Failed(refusal));
            return;
        }

        await SubscribeTo(socket, room!, ack).ConfigureAwait(false);
    }

    // A client chooses its rooms, so it may not choose without bound: each room costs server memory.
    // The ack comes after the room's current state.
    private async Task SubscribeTo(SocketIoSocket socket, string room, Ack? ack)
    {
        if (socket.RoomCount >= options.Rooms.MaxPerConnection && !socket.Rooms.Contains(room))
        {
            ack?.Invoke(Failed($"a connection may be in at most {options.Rooms.MaxPerConnection} rooms"));
            return;
        }

        await JoinAsync(socket, room).ConfigureAwait(false);
        ack?.Invoke(Ok);
    }

    private static Task Unsubscribe(SocketIoSocket socket, SocketIoArgs args, Ack? ack)
    {
        var room = RoomArgument(args);
        if (RoomNames.Validate(room) is { } invalid)
        {
            ack?.Invoke(Failed(invalid));
        }
        else if (room == socket.Id)
        {
            ack?.Invoke(Failed("a connection cannot leave its own room"));
        }
        else
        {
            socket.Leave(room!);
            ack?.Invoke(Ok);
        }

        return Task.CompletedTask;
    }

    // Trusted backends only: publish {room|user|broadcast, event, data} → ack {ok:true, offset, recipients} | {ok:false, error}
    private async Task PublishAsync(SocketIoArgs args, Ack? ack)
    {
        var error = "publish needs {room|user|broadcast, event, data}";
        var publication = args.Count > 0 ? PublicationEnvelope.Read(args[0], out error) : null;
        if (publication is null)
        {
            ack?.Invoke(Failed(error));
            return;
        }

        PublishResult result;
        try
        {
            result = await publisher.PublishAsync(publication, PublishSource.Socket).ConfigureAwait(false);
        }
        catch (EngineUnavailableException e)
        {
            ack?.Invoke(Failed(e.Message));
            return;
        }

        ack?.Invoke(PublishEndpoints.Answer(result));
    }

    // Any other event, sent with an ack: the site's backend handles it and its answer is the ack.
    private async Task RpcAsync(SocketIoSocket socket, string name, SocketIoArgs args, Ack? ack)
    {
        var rpc = options.Proxy.Rpc;
        if (ack is null || !Glob.AnyMatch(rpc.Events, name))
        {
            return;
        }

        var inFlight = (StrongBox<int>)socket.Data.GetOrAdd(RpcInFlightKey, static _ => new StrongBox<int>())!;
        if (Interlocked.Increment(ref inFlight.Value) > rpc.MaxInFlightPerConnection)
        {
            Interlocked.Decrement(ref inFlight.Value);
            ack(new { error = new { code = "busy", message = $"more than {rpc.MaxInFlightPerConnection} requests in flight" } });
            return;
        }

        try
        {
            var identity = IdentityOf(socket);
            var all = args.ToList();
            var answer = await proxy.PostAsync(rpc, "rpc", socket.Handshake, new
            {
                @namespace = socket.Namespace.Name,
                @event = name,
                data = all.Count > 0 ? all[0] : (JsonElement?)null,
                args = all,
                user = identity.UserId,
                info = JsonValues.OrNull(identity.Info),
                client = socket.Id,
            }).ConfigureAwait(false);

            if (answer.IsSuccess)
            {
                ack(answer.Body.ValueKind == JsonValueKind.Undefined ? [] : [answer.Body]);
                return;
            }

            ack(new
            {
                error = answer.Failure switch
                {
                    BackendFailure.Timeout => new { code = "timeout", message = "backend timed out", status = 0 },
                    BackendFailure.Unreachable => new { code = "unavailable", message = "backend unavailable", status = 0 },
                    BackendFailure.BadAnswer => new { code = "bad_answer", message = "backend gave an invalid answer", status = (int)answer.Status },
                    _ => new { code = "backend_error", message = answer.Message() ?? $"backend answered HTTP {(int)answer.Status}", status = (int)answer.Status },
                },
            });
        }
        finally
        {
            Interlocked.Decrement(ref inFlight.Value);
        }
    }

    private static readonly object Ok = new { ok = true };

    private static object Failed(string error) => new { ok = false, error };

    // {room: "a"} or "a" (or a number, as item ids often are).
    private static string? RoomArgument(SocketIoArgs args)
    {
        if (args.Count == 0)
        {
            return null;
        }

        var value = args[0];
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("room", out var room))
        {
            value = room;
        }

        return PublicationEnvelope.StringOrNumber(value);
    }

    [LoggerMessage(203, LogLevel.Warning, "Socket {Id} connects without recovery: {Why}")]
    private static partial void LogNoStart(ILogger logger, string id, string why);

    [LoggerMessage(202, LogLevel.Warning, "Socket {Id}: the current state of room '{Room}' could not be sent")]
    private static partial void LogStateFailed(ILogger logger, string id, string room, Exception exception);

    [LoggerMessage(201, LogLevel.Debug, "Socket {Id}: query room '{Room}' not joined (private or invalid)")]
    private static partial void LogQueryRoomRefused(ILogger logger, string id, string? room);
}
