namespace Auction.Tests;

/// <summary>A SQLite database in a fresh temporary folder, deleted afterwards; and a way to make bidders really race.</summary>
public class TempDatabase : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("auction-").FullName;

    public string ConnectionString => $"Data Source={Path.Combine(_directory, "auction.db")};Default Timeout=60";

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    // SQLite's async calls complete synchronously: each bidder gets its own thread, so they really race.
    public static Task Concurrently(Func<Task> bidder) =>
        Task.Factory.StartNew(() => bidder().GetAwaiter().GetResult(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
