using System.Text;
using System.Text.Json;

namespace Outcry.Core.Queues;

/// <summary>Turns a queue's message into a publication, or says why it cannot be one (the dead-letter reason).</summary>
public static class QueueMessageReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The publication, or null with <paramref name="reason"/>.</summary>
    public static Publication? Read(QueueBinding binding, QueueMessage message, out string reason)
    {
        try
        {
            var publication = binding.Event is null ? ReadEnvelope(message, out reason) : ReadPlain(binding, message, out reason);
            if (publication is not null && PublicationRules.Validate(publication) is { } invalid)
            {
                reason = invalid;
                return null;
            }

            return publication;
        }
        catch (JsonException e)
        {
            reason = "the body is not valid JSON: " + e.Message;
            return null;
        }
        catch (DecoderFallbackException)
        {
            reason = "the body is not valid UTF-8 text";
            return null;
        }
    }

    // The whole body is the envelope of POST /api/publish; the producer's message id stands in for a missing "id".
    private static Publication? ReadEnvelope(QueueMessage message, out string reason)
    {
        var body = JsonSerializer.Deserialize<JsonElement>(message.Body.Span);
        var publication = PublicationEnvelope.Read(body, out reason);
        if (publication is { Id: null } && message.MessageId is { Length: > 0 } messageId)
        {
            publication = publication with { Id = messageId };
        }

        return publication;
    }

    // Seed 002: the body as JSON when its content type says JSON, as a string when it says text.
    private static Publication? ReadPlain(QueueBinding binding, QueueMessage message, out string reason)
    {
        reason = "";
        var contentType = MediaType(message.ContentType ?? binding.DefaultContentType);
        JsonElement data;
        if (contentType == "application/json" || contentType.EndsWith("+json", StringComparison.Ordinal))
        {
            data = JsonSerializer.Deserialize<JsonElement>(message.Body.Span);
        }
        else if (contentType.StartsWith("text/", StringComparison.Ordinal))
        {
            data = JsonSerializer.SerializeToElement(StrictUtf8.GetString(message.Body.Span));
        }
        else
        {
            reason = $"content type '{contentType}' is neither JSON nor text";
            return null;
        }

        string[] rooms = [], users = [];
        if (message.Header("room") is { } room)
        {
            rooms = [room];
        }
        else if (message.Header("user") is { } user)
        {
            users = [user];
        }
        else if (binding.RoomFromRoutingKey && message.RoutingKey is { Length: > 0 } routingKey)
        {
            rooms = [routingKey];
        }
        else if (binding.Room is { Length: > 0 } configured)
        {
            rooms = [configured];
        }
        else if (!binding.Broadcast)
        {
            reason = "the message names no room: set its 'room' or 'user' header, or the queue's Room or Broadcast";
            return null;
        }

        return new Publication
        {
            Namespace = binding.Namespace,
            Event = message.Header("event") ?? binding.Event!,
            Data = data,
            Key = message.Header("key") ?? binding.Key,
            Id = message.Header("id") ?? message.MessageId,
            Target = new PublicationTarget { Rooms = rooms, Users = users, Broadcast = rooms.Length == 0 && users.Length == 0 },
        };
    }

    // "application/json; charset=utf-8" → "application/json".
    private static string MediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }
}
