using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Outcry.Redis.Tests;

/// <summary>
/// A real, throwaway Redis for the tests: Debian's redis-server (tools/install-test-deps.sh installs it) on a free
/// port, without persistence, stopped at the end. OUTCRY_TEST_REDIS=host:port uses a running one instead.
/// </summary>
public class RedisServer : IAsyncLifetime
{
    private const string Binary = "/usr/bin/redis-server";
    private readonly List<Process> _processes = [];

    public string Configuration { get; private set; } = "";

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    /// <summary>Whether this is a Redis Cluster, whose nodes talk over sharded pub/sub.</summary>
    public virtual bool IsCluster => false;

    public async Task InitializeAsync()
    {
        Configuration = await StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                Connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && _processes.All(p => !p.HasExited))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Options for one test: keys and channels of its own (a fresh prefix), pub/sub as the server wants it.</summary>
    public RedisOptions NewOptions() => new() { Prefix = "t" + Guid.NewGuid().ToString("N"), ShardedPubSub = IsCluster };

    /// <summary>A connection of its own, as another node would have.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    /// <summary>Runs a command on the server that holds the keys and channels of <paramref name="options"/>.</summary>
    public Task<RedisResult> OnOutcrysServerAsync(RedisOptions options, string command, params object[] args)
    {
        var endpoint = Connection.GetDatabase().IdentifyEndpoint(new RedisKeys(options).Epoch)!;
        return Connection.GetServer(endpoint).ExecuteAsync(command, args);
    }

    public virtual async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    /// <summary>Starts the server(s); returns the configuration string to reach them.</summary>
    protected virtual Task<string> StartAsync() =>
        Task.FromResult(Environment.GetEnvironmentVariable("OUTCRY_TEST_REDIS") ?? $"127.0.0.1:{Start("--dir", Path.GetTempPath())}");

    /// <summary>Starts one redis-server on a free port, without persistence; returns the port.</summary>
    protected int Start(params string[] arguments)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} not found: run tools/install-test-deps.sh (apt-get install redis-server), or set OUTCRY_TEST_REDIS=host:port");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        _processes.Add(process);
        return port;
    }

    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A throwaway Redis Cluster of three masters (redis-server in cluster mode, joined by redis-cli --cluster create).
/// OUTCRY_TEST_REDIS_CLUSTER=host:port,… uses a running one instead.
/// </summary>
public sealed class RedisClusterServer : RedisServer
{
    private string? _dir;

    public override bool IsCluster => true;

    protected override async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("OUTCRY_TEST_REDIS_CLUSTER") is { } running)
        {
            return running;
        }

        _dir = Directory.CreateTempSubdirectory("outcry-cluster-").FullName;
        var nodes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir, $"{i}")).FullName;
            var port = Start("--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", $"{FreePort()}");
            nodes.Add($"127.0.0.1:{port}");
        }

        await WaitForAsync(nodes, "PING", "PONG");
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--cluster", "create" }.Concat(nodes).Append("--cluster-yes"))
        {
            create.ArgumentList.Add(argument);
        }

        using (var process = Process.Start(create)!)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed: {output}{await process.StandardError.ReadToEndAsync()}");
            }
        }

        await WaitForAsync(nodes, "CLUSTER INFO", "cluster_state:ok");
        return string.Join(",", nodes);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    // Polls each node with redis-cli until its answer contains `expected`.
    private static async Task WaitForAsync(List<string> nodes, string command, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        foreach (var node in nodes)
        {
            while (true)
            {
                var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
                var hostPort = node.Split(':');
                foreach (var argument in new[] { "-h", hostPort[0], "-p", hostPort[1] }.Concat(command.Split(' ')))
                {
                    info.ArgumentList.Add(argument);
                }

                using var process = Process.Start(info)!;
                var output = await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                if (output.Contains(expected, StringComparison.Ordinal))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{node} did not answer {command} with {expected}: {output}");
                }

                await Task.Delay(50);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}

[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterServer>
{
    public const string Name = "redis cluster";
}
