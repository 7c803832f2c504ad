using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outcry.Server.Queues;

namespace Outcry.Server.Tests;

public class QueueConfigurationTests
{
    private static void Add(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        QueueConsumers.Add(new ServiceCollection(), configuration);
    }

    [Fact]
    public void NoQueues_RegistersNoConsumer()
    {
        var services = new ServiceCollection();
        QueueConsumers.Add(services, new ConfigurationBuilder().Build());
        Assert.DoesNotContain(services, s => s.ServiceType == typeof(IHostedService));
    }

    [Theory]
    [InlineData("Outcry:RabbitMq:Queues:0:Event", "news", "Outcry:RabbitMq:Queues:0: Name is required")]
    [InlineData("Outcry:Redis:Streams:0:Room", "100", "Outcry:Redis:Streams:0: Room, Broadcast, RoomFromRoutingKey and Key apply to plain bodies")]
    [InlineData("Outcry:RabbitMq:Queues:0:Namespace", "admin", "Outcry:RabbitMq:Queues:0: Namespace must start with '/'")]
    public void AMistake_StopsTheStart_SayingWhatToFix(string key, string value, string message)
    {
        var settings = new List<(string, string)> { (key, value) };
        if (!key.EndsWith(":Event", StringComparison.Ordinal))
        {
            settings.Add((key[..(key.LastIndexOf(':') + 1)] + "Name", "q"));
        }

        var error = Assert.Throws<InvalidOperationException>(() => Add([.. settings]));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameQueueTwice_StopsTheStart()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Add(("Outcry:RabbitMq:Queues:0:Name", "q"), ("Outcry:RabbitMq:Queues:1:Name", "q")));
        Assert.Equal("Outcry:RabbitMq:Queues:1: 'q' is listed twice", error.Message);
    }
}
