namespace Outcry.Core;

/// <summary>
/// What a subscriber of some rooms missed since a position: every publication of those rooms and of the namespace's
/// broadcasts after it, once each (a publication to two of the rooms is one), in position order — or the reason it
/// can no longer be told exactly (history evicted, another epoch).
/// </summary>
public static class HistoryReplay
{
    private const int PageSize = 1000;

    public static async ValueTask<(IReadOnlyList<Publication>? Missed, string? Failure)> MissedAsync(
        IHistoryStore history, string ns, IReadOnlyCollection<string> rooms, StreamPosition since, CancellationToken cancellationToken = default)
    {
        var missed = new SortedDictionary<long, Publication>();
        foreach (var room in rooms.Append(IHistoryStore.BroadcastRoom))
        {
            var after = since;
            while (true)
            {
                var page = await history.ReadAsync(ns, room, after, PageSize, cancellationToken).ConfigureAwait(false);
                if (!page.Complete)
                {
                    return (null, $"history of room '{room}' no longer reaches back to {since}");
                }

                foreach (var publication in page.Items)
                {
                    missed.TryAdd(publication.Position!.Value.Sequence, publication);
                }

                if (!page.More || page.Items.Count == 0)
                {
                    break;
                }

                after = page.Items[^1].Position!.Value;
            }
        }

        // As the live fan-out: a publication that excepted one of the subscriber's rooms was not for it.
        return ([.. missed.Values.Where(p => !p.Target.Except.Any(rooms.Contains))], null);
    }
}
