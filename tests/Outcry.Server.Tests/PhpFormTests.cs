using Outcry.Server.Api;

namespace Outcry.Server.Tests;

public class PhpFormTests
{
    private static string Parse(string form) => PhpForm.Parse(form).ToJsonString(JsonDefaults.Options);

    [Fact]
    public void Parse_SeedForm_NestsAsPhpWroteIt()
    {
        // PHP: http_build_query(['itemId'=>100,'channel'=>'auction','message'=>['price'=>120,'bidder'=>['name'=>'张']]])
        var json = Parse("itemId=100&channel=auction&message%5Bprice%5D=120&message%5Bbidder%5D%5Bname%5D=%E5%BC%A0");
        Assert.Equal("""{"itemId":"100","channel":"auction","message":{"price":"120","bidder":{"name":"张"}}}""", json);
    }

    [Fact]
    public void Parse_SequentialNumericKeys_BecomeAList()
    {
        Assert.Equal("""{"bids":["100","120"]}""", Parse("bids[0]=100&bids[1]=120"));
        Assert.Equal("""{"bids":{"1":"120"}}""", Parse("bids[1]=120"));
        Assert.Equal("""{"tags":["a","b"]}""", Parse("tags[]=a&tags[]=b"));
    }

    [Fact]
    public void Parse_PlusAndPercent_Decode() => Assert.Equal("""{"q":"a b&c"}""", Parse("q=a+b%26c"));

    [Theory]
    [InlineData("message[x=1")]
    [InlineData("[x]=1")]
    [InlineData("a[b]c=1")]
    public void Parse_MalformedKey_Throws(string form) => Assert.Throws<FormatException>(() => PhpForm.Parse(form));

}
