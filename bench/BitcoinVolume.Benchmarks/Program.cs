using BenchmarkDotNet.Running;
using BitcoinVolume.Benchmarks;

// dotnet run -c Release --project bench/BitcoinVolume.Benchmarks            every measurement → docs/BENCHMARKS.md
// dotnet run -c Release --project bench/BitcoinVolume.Benchmarks -- --help  options (see docs/BENCHMARKS.md)
// dotnet run -c Release --project bench/BitcoinVolume.Benchmarks -- --filter '*AggregationCore*' --inProcess   micro-benchmarks only
if (args.Contains("--filter") || args.Contains("--list"))
{
    BenchmarkSwitcher.FromAssembly(typeof(AggregationCoreBenchmark).Assembly).Run(args);
    return 0;
}

return await Suite.RunAsync(args);
