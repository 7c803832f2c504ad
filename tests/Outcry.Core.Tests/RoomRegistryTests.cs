namespace Outcry.Core.Tests;

public class RoomRegistryTests
{
    private sealed class Member(string name)
    {
        public override string ToString() => name;
    }

    [Fact]
    public void Join_ThenForEach_VisitsExactlyTheMembersOfThatRoom()
    {
        var rooms = new RoomRegistry<Member>();
        Member a = new("a"), b = new("b"), c = new("c");
        rooms.Join("lot:100", a);
        rooms.Join("lot:100", b);
        rooms.Join("lot:200", c);

        var seen = new List<Member>();
        rooms.ForEach("lot:100", seen, static (m, list) => list.Add(m));

        Assert.Equal(new HashSet<Member> { a, b }, seen.ToHashSet());
        Assert.Equal(2, rooms.Count("lot:100"));
        Assert.Equal(1, rooms.Count("lot:200"));
    }

    [Fact]
    public void Join_Twice_CountsOnce()
    {
        var rooms = new RoomRegistry<Member>();
        var a = new Member("a");
        Assert.True(rooms.Join("r", a));
        Assert.False(rooms.Join("r", a));
        Assert.Equal(1, rooms.Count("r"));
    }

    [Fact]
    public void Leave_LastMember_RemovesTheRoom()
    {
        var rooms = new RoomRegistry<Member>();
        var a = new Member("a");
        rooms.Join("r", a);
        Assert.True(rooms.Leave("r", a));
        Assert.False(rooms.Leave("r", a));
        Assert.Equal(0, rooms.RoomCount);
        Assert.Empty(rooms.Members("r"));
    }

    [Fact]
    public void ConcurrentJoinsAndLeaves_LoseNoMember()
    {
        var rooms = new RoomRegistry<Member>();
        var stayers = Enumerable.Range(0, 1000).Select(i => new Member("s" + i)).ToArray();
        var churners = Enumerable.Range(0, 1000).Select(i => new Member("c" + i)).ToArray();

        Parallel.Invoke(
            () => Parallel.ForEach(stayers, m => rooms.Join("r", m)),
            () => Parallel.ForEach(churners, m =>
            {
                rooms.Join("r", m);
                rooms.Leave("r", m);
            }));

        Assert.Equal(stayers.Length, rooms.Count("r"));
        Assert.All(stayers, m => Assert.True(rooms.Contains("r", m)));
    }
}
