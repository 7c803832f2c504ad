using StackExchange.Redis;

namespace Outcry.Redis;

/// <summary>
/// A subscription made now, or as soon as Redis can be reached: a node starts while Redis is down and listens once
/// it is up (StackExchange.Redis then keeps the subscription across reconnections itself).
/// </summary>
internal sealed class ResilientSubscription : IDisposable
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _channel;
    private readonly Func<ChannelMessage, Task> _handler;
    private readonly Action? _subscribed;
    private readonly ITimer? _retry;
    private int _isSubscribed;

    /// <param name="subscribed">Called once the subscription is made.</param>
    public ResilientSubscription(IConnectionMultiplexer redis, RedisChannel channel, Func<ChannelMessage, Task> handler, Action? subscribed = null)
    {
        _redis = redis;
        _channel = channel;
        _handler = handler;
        _subscribed = subscribed;
        if (!TrySubscribe())
        {
            _retry = TimeProvider.System.CreateTimer(static s => ((ResilientSubscription)s!).TrySubscribe(), this, RetryEvery, RetryEvery);
        }
    }

    public void Dispose()
    {
        _retry?.Dispose();
        if (Volatile.Read(ref _isSubscribed) == 1)
        {
            _redis.GetSubscriber().Unsubscribe(_channel);
        }
    }

    private bool TrySubscribe()
    {
        if (Volatile.Read(ref _isSubscribed) == 1)
        {
            return true;
        }

        try
        {
            var queue = _redis.GetSubscriber().Subscribe(_channel);
            if (Interlocked.Exchange(ref _isSubscribed, 1) == 1)
            {
                return true; // a timer tick that overlapped already did it
            }

            queue.OnMessage(_handler);
            _retry?.Dispose();
            _subscribed?.Invoke();
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }
}
