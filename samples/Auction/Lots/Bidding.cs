using System.Collections.Concurrent;
using Auction.Push;

namespace Auction.Lots;

/// <summary>
/// Places a bid and pushes its consequences in the order the bids were accepted: one lot's bids go one at a time
/// through accept-then-publish, so no page is ever left showing an older price after a newer one.
/// </summary>
public sealed class Bidding(AuctionStore store, OutcryPublisher outcry, TimeProvider time)
{
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _lotLocks = new();

    public Task<BidOutcome> BidAsync(long lotId, string bidder, long amount, CancellationToken cancel = default) =>
        OneAtATimeAsync(lotId, async () =>
        {
            var now = time.GetUtcNow();
            var outcome = await store.PlaceBidAsync(lotId, bidder, amount, now, cancel).ConfigureAwait(false);
            if (outcome is BidOutcome.Accepted accepted)
            {
                await outcry.LotChangedAsync(accepted.Lot, now, CancellationToken.None).ConfigureAwait(false);
                if (accepted.Outbid is { } loser)
                {
                    await outcry.OutbidAsync(loser, accepted.Lot, CancellationToken.None).ConfigureAwait(false);
                }
            }

            return outcome;
        }, cancel);

    /// <summary>Closes the lots whose time is up (by the server's clock) and publishes each result.</summary>
    public async Task<IReadOnlyList<Lot>> CloseDueAsync(CancellationToken cancel = default)
    {
        var now = time.GetUtcNow();
        var closed = await store.CloseDueAsync(now, cancel).ConfigureAwait(false);
        foreach (var lot in closed)
        {
            // After any bid of this lot still publishing, so the close is the last word.
            await OneAtATimeAsync(lot.Id, async () =>
            {
                await outcry.LotChangedAsync(lot, now, CancellationToken.None).ConfigureAwait(false);
                await outcry.ClosedAsync(lot, CancellationToken.None).ConfigureAwait(false);
                return true;
            }, cancel).ConfigureAwait(false);
        }

        return closed;
    }

    // One lot's work (judge, save, publish) runs one at a time: what is accepted first is published first.
    private async Task<T> OneAtATimeAsync<T>(long lotId, Func<Task<T>> work, CancellationToken cancel)
    {
        var gate = _lotLocks.GetOrAdd(lotId, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}

/// <summary>Closes lots on time, on the server's clock.</summary>
public sealed partial class LotCloser(Bidding bidding, ILogger<LotCloser> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var lot in await bidding.CloseDueAsync(stoppingToken).ConfigureAwait(false))
                {
                    LogClosed(logger, lot.Id, lot.Leader, lot.Price);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(10, LogLevel.Information, "Lot {Id} closed: winner {Winner} at {Price}")]
    private static partial void LogClosed(ILogger logger, long id, string? winner, long price);

    [LoggerMessage(11, LogLevel.Error, "Closing lots failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
