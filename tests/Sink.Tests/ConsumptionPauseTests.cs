using BitcoinVolume.Contracts;
using BitcoinVolume.Sink.Consumer;
using Confluent.Kafka;

namespace BitcoinVolume.Sink.Tests;

/// <summary>The pause/resume state machine of the sink's consumer while the database cannot be written.</summary>
public sealed class ConsumptionPauseTests
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(2);

    private static TopicPartition P(int partition) => new(Topics.Volumes1m, partition);

    [Fact]
    public void Starts_running_pauses_once_and_resumes_once()
    {
        var pause = new ConsumptionPause(new ManualClock(), RetryPause);
        Assert.False(pause.IsPaused);
        Assert.False(pause.Resume()); // running already: no change

        Assert.True(pause.Pause());
        Assert.True(pause.IsPaused);
        Assert.False(pause.Pause()); // still failing: no change (logged as "still failing", not "pausing")

        Assert.True(pause.Resume());
        Assert.False(pause.IsPaused);
        Assert.False(pause.Resume());
    }

    [Fact]
    public void The_batch_is_retried_one_retry_pause_after_the_last_attempt()
    {
        var clock = new ManualClock();
        var pause = new ConsumptionPause(clock, RetryPause);
        pause.AttemptStarted();
        pause.Pause();

        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), pause.UntilNextAttempt);

        clock.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(TimeSpan.Zero, pause.UntilNextAttempt);

        pause.AttemptStarted();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), pause.UntilNextAttempt);
    }

    [Fact]
    public void Paused_for_counts_from_the_first_failure_not_from_later_ones()
    {
        var clock = new ManualClock();
        var pause = new ConsumptionPause(clock, RetryPause);

        pause.Pause();
        clock.Advance(TimeSpan.FromSeconds(3));
        pause.Pause();
        clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(TimeSpan.FromSeconds(7), pause.PausedFor);
        pause.Resume();
        Assert.Equal(TimeSpan.FromSeconds(7), pause.PausedFor); // still readable for the "resumed after" log
    }

    [Fact]
    public void Each_assigned_partition_is_paused_once_until_revoked_or_resumed()
    {
        var pause = new ConsumptionPause(new ManualClock(), RetryPause);
        pause.Pause();

        var first = pause.NotPaused([P(0), P(1)]);
        Assert.Equal([P(0), P(1)], first);
        pause.Paused(first);
        Assert.Equal([P(2)], pause.NotPaused([P(0), P(1), P(2)])); // a partition assigned while paused

        pause.Forget([P(1)]); // revoked: paused again when it comes back
        Assert.Equal([P(1)], pause.NotPaused([P(0), P(1)]));

        pause.Resume();
        Assert.Equal([P(0), P(1)], pause.NotPaused([P(0), P(1)])); // after a resume nothing counts as paused
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ticks;

        public void Advance(TimeSpan by) => ticks += by.Ticks;
    }
}
