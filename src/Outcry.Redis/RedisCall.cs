using System.Text.Json;
using System.Text.Json.Serialization;
using Outcry.Core;
using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>What every store on Redis shares: how a call that cannot reach Redis fails, and how sessions are written.</summary>
internal static class RedisCall
{
    /// <summary>
    /// JSON without default values: an identity without info, or a command without data, holds an undefined
    /// JsonElement, which cannot be written.
    /// </summary>
    public static readonly JsonSerializerOptions OmitDefaults = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };

    /// <summary>Awaits a Redis call; Redis unreachable becomes <see cref="EngineUnavailableException"/>, what callers handle.</summary>
    public static async Task<T> Reachable<T>(Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new EngineUnavailableException("Redis is unreachable: " + e.Message, e);
        }
    }
}
