using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/BitcoinVolume.Benchmarks -- --filter '*'   (see docs/BENCHMARKS.md)
BenchmarkSwitcher.FromAssembly(typeof(BitcoinVolume.Benchmarks.AggregationCoreBenchmark).Assembly).Run(args);
