namespace BitcoinVolume.Sink.Consumer;

/// <summary>Lets a repeated message through at most once per interval per key, counting the repeats it held back. Thread-safe.</summary>
internal sealed class LogThrottle<TKey>(TimeSpan interval, TimeProvider timeProvider)
    where TKey : notnull
{
    private readonly Dictionary<TKey, (long Logged, int Suppressed)> state = [];

    /// <summary>True when <paramref name="key"/> should be logged now; <paramref name="suppressed"/> is how many were held back since.</summary>
    public bool ShouldLog(TKey key, out int suppressed)
    {
        var now = timeProvider.GetTimestamp();
        lock (state)
        {
            if (state.TryGetValue(key, out var last) && timeProvider.GetElapsedTime(last.Logged, now) < interval)
            {
                state[key] = (last.Logged, last.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            suppressed = last.Suppressed;
            state[key] = (now, 0);
            return true;
        }
    }
}
