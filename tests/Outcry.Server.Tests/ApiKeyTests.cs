using System.Net;
using Outcry.Server.Auth;

namespace Outcry.Server.Tests;

public class ApiKeyTests
{
    [Fact]
    public void Configured_AcceptsOnlyTheKey_FromAnywhere()
    {
        var key = new ApiKey("s3cret");
        Assert.True(key.Accepts("s3cret", IPAddress.Parse("203.0.113.9")));
        Assert.False(key.Accepts("s3cret ", IPAddress.Loopback));
        Assert.False(key.Accepts(null, IPAddress.Loopback));
        Assert.False(key.Accepts("S3CRET", IPAddress.Loopback));
    }

    [Fact]
    public void NotConfigured_ServesLoopbackOnly()
    {
        var key = new ApiKey(null);
        Assert.True(key.Accepts(null, IPAddress.Loopback));
        Assert.True(key.Accepts(null, IPAddress.IPv6Loopback));
        Assert.False(key.Accepts("anything", IPAddress.Parse("192.0.2.1")));
        Assert.False(key.Accepts(null, null));
    }
}
