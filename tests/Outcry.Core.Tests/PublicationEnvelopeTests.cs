using System.Text.Json;

namespace Outcry.Core.Tests;

public class PublicationEnvelopeTests
{
    private static (Publication? Publication, string Error) Read(string json)
    {
        var publication = PublicationEnvelope.Read(JsonDocument.Parse(json).RootElement, out var error);
        return (publication, error);
    }

    [Fact]
    public void Read_FullEnvelope()
    {
        var (p, _) = Read("""{"rooms":["a",100],"event":"auction","data":{"price":120},"namespace":"/bids","except":["x"]}""");
        Assert.NotNull(p);
        Assert.Equal(["a", "100"], p.Target.Rooms);
        Assert.Equal(["x"], p.Target.Except);
        Assert.Equal("/bids", p.Namespace);
        Assert.Equal(120, p.Data.GetProperty("price").GetInt32());
    }

    [Fact]
    public void Read_NoData_IsUndefined() => Assert.Equal(JsonValueKind.Undefined, Read("""{"broadcast":true,"event":"ping"}""").Publication!.Data.ValueKind);

    [Theory]
    [InlineData("""{"room":"1"}""", "event is required")]
    [InlineData("""{"room":"1","event":5}""", "event must be a string")]
    [InlineData("""{"room":{},"event":"e"}""", "room must be a string or a number")]
    [InlineData("""{"users":"42","event":"e"}""", "users must be an array")]
    [InlineData("""{"broadcast":1,"event":"e"}""", "broadcast must be true or false")]
    [InlineData("""{"user":"42","room":"1","event":"e"}""", "name exactly one target: room, rooms, user, users or broadcast:true")]
    [InlineData("3", "the publication must be a JSON object")]
    public void Read_Invalid_SaysWhy(string json, string error)
    {
        var (p, e) = Read(json);
        Assert.Null(p);
        Assert.Equal(error, e);
    }
}
