using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Auction.Tests;

/// <summary>
/// A real PostgreSQL server for the tests that need one, started once per test run by <c>tools/postgres.sh</c> (a
/// throwaway cluster in a temporary folder, from Debian's postgresql package); each test gets its own database.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "auction-pg-" + Guid.NewGuid().ToString("N"));
    private readonly string _script = Path.Combine(RepoRoot(), "tools", "postgres.sh");
    private string _connectionString = "";
    private int _databases;

    public async Task InitializeAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _connectionString = (await RunAsync("start", _directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture))).Trim();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync("stop", _directory);
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A new, empty database on this server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "auction_" + Interlocked.Increment(ref _databases);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(_connectionString) { Database = name }.ConnectionString;
    }

    private async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(_script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tools/postgres.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Outcry.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Outcry.slnx not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(nameof(PostgresServer))]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;
