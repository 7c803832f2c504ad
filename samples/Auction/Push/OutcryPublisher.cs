using System.Net.Http.Json;
using Auction.Lots;

namespace Auction.Push;

/// <summary>
/// Publishes to Outcry through its public HTTP API only: a lot's state (keyed, so a page that opens or comes back gets
/// it at once) to the lot's room and to the list page's room, "you were outbid" to the loser's private room, and the
/// result when a lot closes.
/// </summary>
public sealed partial class OutcryPublisher(HttpClient http, ILogger<OutcryPublisher> logger)
{
    public const string ListRoom = "lots";

    public static string RoomOf(long lotId) => $"lot:{lotId}";

    /// <summary>What pages render: the lot, and the server's time, so a countdown does not trust the browser's clock.</summary>
    public static object StateOf(Lot lot, DateTimeOffset now) => new
    {
        id = lot.Id,
        title = lot.Title,
        price = lot.Price,
        minimumBid = lot.MinimumBid,
        leader = lot.Leader,
        bids = lot.Bids,
        endsAt = lot.EndsAt,
        closed = lot.Closed,
        serverTime = now,
    };

    public Task LotChangedAsync(Lot lot, DateTimeOffset now, CancellationToken cancel = default) =>
        PublishAsync(new { rooms = new[] { RoomOf(lot.Id), ListRoom }, @event = "lot", key = $"lot:{lot.Id}", data = StateOf(lot, now) }, cancel);

    public Task OutbidAsync(string user, Lot lot, CancellationToken cancel = default) =>
        PublishAsync(new { user, @event = "outbid", data = new { lot = lot.Id, title = lot.Title, price = lot.Price, leader = lot.Leader } }, cancel);

    public Task ClosedAsync(Lot lot, CancellationToken cancel = default) =>
        PublishAsync(new { room = RoomOf(lot.Id), @event = "closed", data = new { lot = lot.Id, winner = lot.Leader, price = lot.Price } }, cancel);

    private async Task PublishAsync(object publication, CancellationToken cancel)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("/api/publish", publication, cancel).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, (int)response.StatusCode, await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
            }
        }
        catch (HttpRequestException e)
        {
            // The bid stands (it is in the database); pages that missed the push get the state when they reconnect.
            LogUnreachable(logger, e.Message);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Outcry refused a publication: {Status} {Body}")]
    private static partial void LogRefused(ILogger logger, int status, string body);

    [LoggerMessage(2, LogLevel.Warning, "Outcry unreachable: {Message}")]
    private static partial void LogUnreachable(ILogger logger, string message);
}
