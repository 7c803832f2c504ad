using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis.Emitter;

/// <summary>
/// Lets a backend that uses the socket.io Redis emitter (<c>@socket.io/redis-emitter</c> 4.x/5.x, the older
/// <c>socket.io-emitter</c>) reach Outcry's clients unchanged. Each node listens where socket.io's Redis adapter
/// listens with the same key (default "socket.io"): broadcasts on <c>{key}#{nsp}#[room#]</c> (MessagePack
/// <c>[uid, {type, data: [event, ...args], nsp}, {rooms, except, flags}]</c>), and <c>socketsJoin</c>,
/// <c>socketsLeave</c> and <c>disconnectSockets</c> on <c>{key}-request#{nsp}#</c> (JSON). Every node applies them
/// to its own connections, as the adapter does; so an emitted event is not kept in history and has no offset — a
/// client that was away does not get it back (the HTTP API's publications are kept).
/// </summary>
public sealed partial class EmitterListener : IDisposable
{
    // socket.io-parser's packet types: EVENT, and BINARY_EVENT (the old emitter marked some events so).
    private const int Event = 2;
    private const int BinaryEvent = 5;

    // socket.io's RequestType.
    private const int RemoteJoin = 2;
    private const int RemoteLeave = 3;
    private const int RemoteDisconnect = 4;
    private const int ServerSideEmit = 6;

    private readonly ResilientSubscription[] _subscriptions;
    private readonly string _requestPrefix;
    private readonly IPublicationSink _sink;
    private readonly IConnectionCommands _commands;
    private readonly ILogger _logger;

    public EmitterListener(IConnectionMultiplexer redis, string key, IPublicationSink sink, IConnectionCommands commands, ILogger<EmitterListener> logger)
    {
        _requestPrefix = key + "-request#";
        _sink = sink;
        _commands = commands;
        _logger = logger;

        // One queue each, handled in order, as the adapter handles its messages.
        _subscriptions =
        [
            new ResilientSubscription(redis, RedisChannel.Pattern(key + "#*"), m => Handled(() => OnBroadcast((byte[])m.Message!))),
            new ResilientSubscription(redis, RedisChannel.Pattern(key + "-request#*"), m => Handled(() => OnRequest(m.Channel.ToString(), (byte[])m.Message!))),
        ];
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private static Task Handled(Action handle)
    {
        handle();
        return Task.CompletedTask;
    }

    /// <summary>Reads an emitter broadcast; null (and why) when it is not one Outcry can deliver.</summary>
    internal static Publication? ReadBroadcast(ReadOnlySpan<byte> message, DateTimeOffset now, out string? error)
    {
        var json = new ArrayBufferWriter<byte>(message.Length * 2);
        using (var writer = new Utf8JsonWriter(json))
        {
            if (!MessagePackJson.TryConvert(message, writer, out error))
            {
                return null;
            }
        }

        using var document = JsonDocument.Parse(json.WrittenMemory);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() < 3
            || root[1] is not { ValueKind: JsonValueKind.Object } packet
            || !packet.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.Number
            || !packet.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
            || data.GetArrayLength() == 0 || data[0].ValueKind != JsonValueKind.String)
        {
            error = "not [uid, {type, data: [event, ...], nsp}, opts]";
            return null;
        }

        if (type.GetInt32() is not (Event or BinaryEvent))
        {
            error = $"packet type {type.GetInt32()} is not an event";
            return null;
        }

        var opts = root[2];
        var args = data.EnumerateArray().Skip(1).Select(a => a.Clone()).ToList();
        var rooms = Strings(opts, "rooms");
        return new Publication
        {
            Namespace = packet.TryGetProperty("nsp", out var nsp) && nsp.GetString() is { Length: > 0 } name ? name : "/",
            Event = data[0].GetString()!,
            Data = args.Count switch
            {
                0 => default,
                1 => args[0],
                _ => JsonSerializer.SerializeToElement(args),
            },
            SpreadData = args.Count > 1,
            Volatile = opts.ValueKind == JsonValueKind.Object && opts.TryGetProperty("flags", out var flags)
                && flags.ValueKind == JsonValueKind.Object && flags.TryGetProperty("volatile", out var v) && v.ValueKind == JsonValueKind.True,
            Time = now,
            Target = new PublicationTarget { Rooms = rooms, Broadcast = rooms.Length == 0, Except = Strings(opts, "except") },
        };
    }

    private static string[] Strings(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];

    private void OnBroadcast(byte[] message)
    {
        try
        {
            if (ReadBroadcast(message, DateTimeOffset.UtcNow, out var error) is not { } publication)
            {
                LogIgnored(_logger, "broadcast", error!);
                return;
            }

            _sink.Deliver(publication);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            LogIgnored(_logger, "broadcast", e.Message);
        }
    }

    // {"type":2,"opts":{"rooms":[…],"except":[…]},"rooms":[…]} and the like, on "{key}-request#{nsp}#".
    private void OnRequest(string channel, byte[] message)
    {
        try
        {
            if (message.Length == 0 || message[0] != (byte)'{')
            {
                return; // MessagePack requests come from adapters (acknowledged broadcasts), not from the emitter
            }

            var ns = channel.Length > _requestPrefix.Length + 1 ? channel[_requestPrefix.Length..^1] : "/";
            using var document = JsonDocument.Parse(message);
            var request = document.RootElement;
            var type = request.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : -1;
            var opts = request.TryGetProperty("opts", out var o) ? o : default;
            var selection = new ConnectionCommand { Kind = default, Namespace = ns, Rooms = Strings(opts, "rooms"), Except = Strings(opts, "except") };
            switch (type)
            {
                case RemoteJoin:
                    _commands.Run(selection with { Kind = ConnectionCommandKind.Join, Names = Strings(request, "rooms") });
                    break;
                case RemoteLeave:
                    _commands.Run(selection with { Kind = ConnectionCommandKind.Leave, Names = Strings(request, "rooms") });
                    break;
                case RemoteDisconnect:
                    var close = request.TryGetProperty("close", out var c) && c.ValueKind == JsonValueKind.True;
                    _commands.Run(selection with { Kind = ConnectionCommandKind.Disconnect, Close = close });
                    break;
                case ServerSideEmit:
                    break; // for server-side listeners; Outcry runs no application code
                default:
                    LogIgnored(_logger, "request", $"type {type}");
                    break;
            }
        }
        catch (JsonException e)
        {
            LogIgnored(_logger, "request", e.Message);
        }
    }

    [LoggerMessage(601, LogLevel.Warning, "Ignored a socket.io emitter {Kind}: {Why}")]
    private static partial void LogIgnored(ILogger logger, string kind, string why);
}
