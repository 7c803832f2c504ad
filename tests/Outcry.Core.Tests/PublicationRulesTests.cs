using System.Text.Json;

namespace Outcry.Core.Tests;

public class PublicationRulesTests
{
    private static Publication Make(PublicationTarget target, string eventName = "auction", string nsp = "/") =>
        new() { Namespace = nsp, Event = eventName, Data = JsonDocument.Parse("{}").RootElement, Target = target };

    [Fact]
    public void Validate_OneTargetKind_IsValid()
    {
        Assert.Null(PublicationRules.Validate(Make(new PublicationTarget { Rooms = ["100"] })));
        Assert.Null(PublicationRules.Validate(Make(new PublicationTarget { Users = ["42", "43"] })));
        Assert.Null(PublicationRules.Validate(Make(new PublicationTarget { Broadcast = true, Except = ["user:42"] })));
    }

    [Fact]
    public void Validate_NoneOrSeveralTargetKinds_IsRefused()
    {
        Assert.Contains("exactly one target", PublicationRules.Validate(Make(new PublicationTarget())));
        Assert.Contains("exactly one target", PublicationRules.Validate(Make(new PublicationTarget { Rooms = ["1"], Broadcast = true })));
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("disconnect")]
    [InlineData("connect_error")]
    public void Validate_ReservedEvent_IsRefused(string name) =>
        Assert.Contains("reserved", PublicationRules.Validate(Make(new PublicationTarget { Broadcast = true }, name)));

    [Fact]
    public void Validate_BadNames_AreRefused()
    {
        Assert.NotNull(PublicationRules.Validate(Make(new PublicationTarget { Broadcast = true }, "")));
        Assert.NotNull(PublicationRules.Validate(Make(new PublicationTarget { Rooms = [""] })));
        Assert.NotNull(PublicationRules.Validate(Make(new PublicationTarget { Users = ["a\u0000b"] })));
        Assert.NotNull(PublicationRules.Validate(Make(new PublicationTarget { Broadcast = true }, nsp: "chat")));
    }

    [Fact]
    public void AllRooms_AddsUserRooms_Once()
    {
        var target = new PublicationTarget { Rooms = ["a", "user:1"], Users = ["1", "2"] };
        Assert.Equal(["a", "user:1", "user:2"], target.AllRooms());
    }
}
