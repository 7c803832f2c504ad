using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Outcry.Core;
using Outcry.EngineIO;
using Outcry.Server.Api;
using Outcry.Server.Auth;
using Outcry.Server.Push;
using Outcry.SocketIO;

namespace Outcry.Server.Sse;

/// <summary>
/// <c>GET /sse?room=a&amp;room=b</c>: a Server-Sent Events stream of the rooms' publications for clients without a
/// Socket.IO library (a browser's EventSource, curl). Authenticated as sockets are (<c>?token=</c>, a Bearer token,
/// or the connect proxy with the request's cookies). Every kept publication carries its offset as the event id, so
/// EventSource's <c>Last-Event-ID</c> (or <c>?lastEventId=</c>) resumes exactly — or, when the history no longer
/// reaches back, the stream starts with the rooms' current state, and the first event says which.
/// </summary>
internal sealed partial class SseEndpoint(
    OutcryOptions options, IOptions<EngineIoOptions> limits, EngineIoServer engine, ClientAuthenticator authenticator, RoomAuthorizer authorizer, IHistoryStore history,
    SseHub hub, PresenceTracker presence, RecoveryCounters recoveries, ILogger<SseEndpoint> logger)
{
    /// <summary>The first event of every stream: <c>{recovered, user, rooms}</c>.</summary>
    public const string ConnectEvent = "connect";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!engine.ApplyCors(context))
        {
            // As for sockets: a page of another site must not open a stream with the visitor's cookies.
            await ApiError.Make(403, "forbidden_origin", "origin not allowed (Outcry:EngineIO:AllowedOrigins)").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var ns = request.Query["namespace"].FirstOrDefault() ?? "/";
        if (!options.Namespaces.Any(pattern => Glob.IsMatch(pattern, ns)))
        {
            await ApiError.NotFound($"namespace '{ns}' is not served").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var handshake = new SocketIoHandshake(new EngineHandshake(context, DateTimeOffset.UtcNow), default);
        var id = NewId();
        ClientIdentity identity;
        try
        {
            identity = await authenticator.AuthenticateAsync(handshake, ns, "sse", BearerToken(request)).ConfigureAwait(false);
        }
        catch (ConnectionRejectedException e)
        {
            await Refused(e).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var rooms = new HashSet<string>(identity.RoomsToJoin(), StringComparer.Ordinal);
        foreach (var room in options.Rooms.FromQuery(handshake.Query))
        {
            if (rooms.Contains(room!))
            {
                continue;
            }

            if (await authorizer.RefusalAsync(identity, handshake, ns, room, id).ConfigureAwait(false) is { } refusal)
            {
                var invalid = RoomNames.Validate(room) is not null;
                await ApiError.Make(invalid ? 400 : 403, invalid ? "invalid_request" : "forbidden", refusal).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            rooms.Add(room!);
        }

        if (rooms.Count > options.Rooms.MaxPerConnection)
        {
            await ApiError.BadRequest($"a connection may be in at most {options.Rooms.MaxPerConnection} rooms").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await StreamAsync(context, new SseConnection(id, ns, identity, rooms, limits.Value, hub.Counters, TooSlow)).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, SseConnection connection)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events on as they come
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Registered before anything is read, so that no publication falls between the start and the live stream.
        hub.Add(connection);
        connection.Abort = context.Abort;
        foreach (var room in connection.Rooms)
        {
            presence.Track(connection.Namespace, room, connection.Id, connection.Identity.UserId, joined: true);
        }

        using var keepAlive = TimeProvider.System.CreateTimer(
            static s => ((SseConnection)s!).KeepAliveTick(), connection, options.Sse.KeepAlive, options.Sse.KeepAlive);
        try
        {
            var (since, first) = await StartAsync(context.Request, connection).ConfigureAwait(false);
            connection.Start(since, [SseFrame.Retry(options.Sse.Retry), .. first]);
            await connection.WriteLoopAsync(response, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The client went away.
        }
        finally
        {
            hub.Remove(connection);
            connection.End(); // ends its queue, which gives the queue's shared slots back
            foreach (var room in connection.Rooms)
            {
                presence.Track(connection.Namespace, room, connection.Id, connection.Identity.UserId, joined: false);
            }
        }
    }

    // The connect event, then exactly what was missed since Last-Event-ID, or else the rooms' current state.
    private async Task<(long Since, List<SseFrame> First)> StartAsync(HttpRequest request, SseConnection connection)
    {
        var lastEventId = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["lastEventId"].FirstOrDefault();
        IReadOnlyList<Publication>? missed = null;
        if (!string.IsNullOrEmpty(lastEventId))
        {
            if (!StreamPosition.TryParse(lastEventId, out var resumeFrom))
            {
                LogResumeFailed(logger, connection.Id, "the last event id was not written by this server");
            }
            else
            {
                (missed, var failure) = await HistoryReplay.MissedAsync(history, connection.Namespace, connection.Rooms, resumeFrom).ConfigureAwait(false);
                if (missed is null)
                {
                    LogResumeFailed(logger, connection.Id, failure!);
                }
                else
                {
                    recoveries.OnSucceeded(missed.Count);
                    return (resumeFrom.Sequence, [Connected(connection, lastEventId, true), .. missed.Select(p => SseFrame.Of(p, null))]);
                }
            }

            recoveries.OnFailed();
        }

        // Read after registering: anything later is delivered live; anything up to here is in the state below.
        var start = await history.LatestAsync().ConfigureAwait(false);
        var first = new List<SseFrame> { Connected(connection, start.ToString(), false) };
        foreach (var room in connection.Rooms)
        {
            foreach (var state in await history.StateAsync(connection.Namespace, room).ConfigureAwait(false))
            {
                // Without id: a snapshot, not a step of the stream (as for sockets, which get it without offset).
                first.Add(SseFrame.Event(null, state.Event, state.Data));
            }
        }

        return (start.Sequence, first);
    }

    // The id makes EventSource resume from here even if no publication arrives before the next drop.
    private static SseFrame Connected(SseConnection connection, string id, bool recovered) => SseFrame.Event(id, ConnectEvent, JsonSerializer.SerializeToElement(
        new { recovered, user = connection.Identity.UserId, rooms = connection.Rooms.Order(StringComparer.Ordinal) }, JsonDefaults.Options));

    private void TooSlow(SseConnection connection)
    {
        LogTooSlow(logger, connection.Id, limits.Value.MaxQueuedPackets);
        connection.Abort?.Invoke();
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        return header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    // 401 for a bad or missing identity, 403 when refused, 503 when the site's backend could not answer.
    private static IResult Refused(ConnectionRejectedException e)
    {
        var code = e.ErrorData is null ? "unauthorized" : JsonSerializer.SerializeToElement(e.ErrorData).GetProperty("code").GetString()!;
        var status = code switch
        {
            "forbidden" => 403,
            _ when code.StartsWith("auth_backend", StringComparison.Ordinal) => 503,
            _ => 401,
        };
        return ApiError.Make(status, code, e.Message);
    }

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[15];
        RandomNumberGenerator.Fill(bytes);
        return "sse-" + Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    [LoggerMessage(501, LogLevel.Debug, "SSE {Id}: cannot resume exactly ({Why}); sending the current state")]
    private static partial void LogResumeFailed(ILogger logger, string id, string why);

    [LoggerMessage(502, LogLevel.Warning, "SSE {Id}: more than {Max} events queued, closing the slow consumer")]
    private static partial void LogTooSlow(ILogger logger, string id, int max);
}
