namespace Auction.Lots;

/// <summary>
/// The lots a fresh database starts with, ending minutes apart so a visitor sees one close soon (the first after
/// <c>firstEndsIn</c>, 5 minutes by default).
/// </summary>
public static class Seed
{
    public static IEnumerable<Lot> Lots(DateTimeOffset now, TimeSpan? firstEndsIn = null) =>
    [
        new(0, "Tea bowl, Song dynasty", 10_000, 500, 10_000, null, 0, now + (firstEndsIn ?? TimeSpan.FromMinutes(5)), false),
        new(0, "Fountain pen, 1930s", 2_500, 100, 2_500, null, 0, now.AddMinutes(10), false),
        new(0, "Landscape in oils", 50_000, 2_500, 50_000, null, 0, now.AddMinutes(20), false),
        new(0, "Mechanical watch", 30_000, 1_000, 30_000, null, 0, now.AddMinutes(30), false),
    ];
}
