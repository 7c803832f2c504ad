namespace Outcry.Core.Tests;

public class RoomAccessTests
{
    private readonly RoomAccess _access = new(["vip:*", "staff"]);

    [Theory]
    [InlineData("lot:*", "lot:100", true)]
    [InlineData("lot:*", "lot:", true)]
    [InlineData("lot:*", "lots:1", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*:admin", "team:admin", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    [InlineData("user:42", "user:420", false)]
    [InlineData("Lot:*", "lot:1", false)]
    public void Glob_MatchesAsDocumented(string pattern, string text, bool expected) => Assert.Equal(expected, Glob.IsMatch(pattern, text));

    [Fact]
    public void Glob_PathologicalPattern_AnswersQuickly()
    {
        // Backtracking matchers go exponential here; ours is linear in the text for each star.
        Assert.False(Glob.IsMatch("*a*a*a*a*a*a*a*a*a*a*b", new string('a', 5000)));
    }

    [Theory]
    [InlineData("user:42", true)]
    [InlineData("vip:1", true)]
    [InlineData("staff", true)]
    [InlineData("staffroom", false)]
    [InlineData("lot:100", false)]
    [InlineData("100", false)]
    public void IsPrivate_UserRoomsAlways_PlusConfiguredPatterns(string room, bool expected) => Assert.Equal(expected, _access.IsPrivate(room));

    [Fact]
    public void Decide_PublicRoom_AllowedForAnonymous() => Assert.Equal(RoomDecision.Allowed, _access.Decide(ClientIdentity.Anonymous, "lot:1"));

    [Fact]
    public void Decide_PrivateRoom_NeedsAGrant()
    {
        Assert.Equal(RoomDecision.Private, _access.Decide(ClientIdentity.Anonymous, "vip:1"));
        Assert.Equal(RoomDecision.Private, _access.Decide(new ClientIdentity { UserId = "7" }, "user:42"));
        Assert.Equal(RoomDecision.Allowed, _access.Decide(new ClientIdentity { UserId = "42" }, "user:42"));
        Assert.Equal(RoomDecision.Allowed, _access.Decide(new ClientIdentity { UserId = "7", Rooms = ["vip:*"] }, "vip:1"));
        Assert.Equal(RoomDecision.Allowed, _access.Decide(new ClientIdentity { Trusted = true }, "user:42"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a\nb")]
    public void Decide_UnusableName_IsInvalid(string? room) => Assert.Equal(RoomDecision.Invalid, _access.Decide(ClientIdentity.Anonymous, room));

    [Fact]
    public void Decide_TooLongName_IsInvalid() => Assert.Equal(RoomDecision.Invalid, _access.Decide(ClientIdentity.Anonymous, new string('x', RoomNames.MaxLength + 1)));

    [Fact]
    public void RoomsToJoin_AreTheUserRoomAndTheExactNames_NotThePatterns()
    {
        var identity = new ClientIdentity { UserId = "42", Rooms = ["lobby", "vip:*", "lot:?"] };
        Assert.Equal(["user:42", "lobby"], identity.RoomsToJoin());
    }
}
