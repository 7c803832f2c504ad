using BenchmarkDotNet.Running;

namespace Outcry.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project benchmarks/Outcry.Benchmarks -- --filter '*' --job short
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
