using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Outcry.Redis.Tests;

/// <summary>
/// A real, throwaway Redis for the tests: Debian's redis-server (tools/install-test-deps.sh installs it) on a free
/// port, without persistence, stopped at the end. OUTCRY_TEST_REDIS=host:port uses a running one instead.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public string Configuration { get; private set; } = "";

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Configuration = Environment.GetEnvironmentVariable("OUTCRY_TEST_REDIS") ?? StartServer();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                Connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && _process is { HasExited: false })
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A connection of its own, as another node would have.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private string StartServer()
    {
        const string Binary = "/usr/bin/redis-server";
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} not found: run tools/install-test-deps.sh (apt-get install redis-server), or set OUTCRY_TEST_REDIS=host:port");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath() })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        return $"127.0.0.1:{port}";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
