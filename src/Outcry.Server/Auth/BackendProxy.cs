using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Outcry.SocketIO;

namespace Outcry.Server.Auth;

/// <summary>
/// POSTs a JSON question to the site's backend on behalf of a client — who is this (connect), may this user join
/// this room (subscribe), handle this event (RPC) — passing on the client's cookies and chosen headers, so the
/// backend answers with its own session logic (seed 003).
/// </summary>
internal sealed partial class BackendProxy(IHttpClientFactory clients, OutcryOptions outcry, ILogger<BackendProxy> logger)
{
    public const string ClientName = "outcry-backend";

    public async Task<BackendAnswer> PostAsync(ProxyEndpoint endpoint, string kind, SocketIoHandshake handshake, object body, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(endpoint.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = JsonContent.Create(body, options: JsonDefaults.Options),
        };
        foreach (var name in outcry.Proxy.Headers)
        {
            if (handshake.Headers.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (handshake.Address is { } address)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
        }

        request.Headers.TryAddWithoutValidation("X-Outcry-Proxy", kind);
        try
        {
            // Factory clients: pooled handlers that follow DNS changes of the backend's host.
            var http = clients.CreateClient(ClientName);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            JsonElement json = default;
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    json = JsonDocument.Parse(text).RootElement.Clone();
                }
                catch (JsonException)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        LogBadAnswer(logger, kind, endpoint.Url!, (int)response.StatusCode);
                        return BackendAnswer.Failed(BackendFailure.BadAnswer, (int)response.StatusCode);
                    }
                }
            }

            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, kind, endpoint.Url!, (int)response.StatusCode);
            }

            return new BackendAnswer(response.StatusCode, json, BackendFailure.None);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogTimeout(logger, kind, endpoint.Url!, endpoint.Timeout);
            return BackendAnswer.Failed(BackendFailure.Timeout, 0);
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(logger, kind, endpoint.Url!, e.Message);
            return BackendAnswer.Failed(BackendFailure.Unreachable, 0);
        }
    }

    [LoggerMessage(301, LogLevel.Warning, "{Kind} proxy: {Url} did not answer within {Timeout}")]
    private static partial void LogTimeout(ILogger logger, string kind, string url, TimeSpan timeout);

    [LoggerMessage(302, LogLevel.Warning, "{Kind} proxy: {Url} unreachable: {Why}")]
    private static partial void LogUnreachable(ILogger logger, string kind, string url, string why);

    [LoggerMessage(303, LogLevel.Warning, "{Kind} proxy: {Url} answered {Status} with a body that is not JSON")]
    private static partial void LogBadAnswer(ILogger logger, string kind, string url, int status);

    [LoggerMessage(304, LogLevel.Debug, "{Kind} proxy: {Url} answered {Status}")]
    private static partial void LogRefused(ILogger logger, string kind, string url, int status);
}

internal enum BackendFailure
{
    None,
    Timeout,
    Unreachable,
    BadAnswer,
}

/// <summary>The backend's status and JSON body (Undefined when empty), or why there is none.</summary>
internal readonly record struct BackendAnswer(HttpStatusCode Status, JsonElement Body, BackendFailure Failure)
{
    public bool IsSuccess => Failure == BackendFailure.None && (int)Status is >= 200 and < 300;

    public static BackendAnswer Failed(BackendFailure failure, int status) => new((HttpStatusCode)status, default, failure);

    /// <summary>The backend's own explanation: <c>{"message":…}</c>, <c>{"error":"…"}</c> or <c>{"error":{"message":…}}</c>.</summary>
    public string? Message()
    {
        if (Body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Body.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
        {
            return m.GetString();
        }

        if (Body.TryGetProperty("error", out var e))
        {
            if (e.ValueKind == JsonValueKind.String)
            {
                return e.GetString();
            }

            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var em) && em.ValueKind == JsonValueKind.String)
            {
                return em.GetString();
            }
        }

        return null;
    }
}
