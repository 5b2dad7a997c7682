using BitcoinVolume.Ingest.Live;

namespace BitcoinVolume.Ingest.Tests;

/// <summary>The websocket reconnect policy: exponential backoff with jitter and a cap, bounded attempts, every retry observed.</summary>
public class ReconnectPolicyTests
{
    private static readonly SessionOutcome Refused = new(false, ReconnectCauses.ConnectFailed, "refused", 0);

    [Fact]
    public async Task Delays_grow_exponentially_with_jitter_up_to_the_cap_and_attempts_are_bounded()
    {
        var delays = new List<TimeSpan>();
        var causes = new List<string>();
        var options = new LiveOptions { ReconnectDelay = TimeSpan.FromMilliseconds(4), MaxReconnectDelay = TimeSpan.FromMilliseconds(64), MaxReconnectAttempts = 14 };
        var pipeline = ReconnectPolicy.Create(options, args =>
        {
            delays.Add(args.RetryDelay);
            causes.Add(args.Outcome.Result!.Cause);
            return ValueTask.CompletedTask;
        });
        var calls = 0;

        var outcome = await pipeline.ExecuteAsync(_ =>
        {
            calls++;
            return ValueTask.FromResult(Refused);
        });

        Assert.Same(Refused, outcome); // gave up: the source reports it
        Assert.Equal(15, calls);
        Assert.Equal(14, delays.Count);
        Assert.All(causes, c => Assert.Equal(ReconnectCauses.ConnectFailed, c));
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromTicks(1), options.MaxReconnectDelay));
        Assert.True(delays.Distinct().Count() > 3, "jitter: delays differ");
        Assert.True(delays.Take(3).Average(d => d.TotalMilliseconds) * 3 < delays.TakeLast(4).Average(d => d.TotalMilliseconds),
            $"exponential growth: {string.Join(", ", delays.Select(d => d.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(delays.TakeLast(4).Max() >= options.MaxReconnectDelay / 2, "late delays reach the cap region");
    }

    [Fact]
    public async Task A_healthy_session_is_not_retried_so_the_backoff_starts_over_for_the_next_one()
    {
        var retries = 0;
        var pipeline = ReconnectPolicy.Create(new LiveOptions { ReconnectDelay = TimeSpan.FromMilliseconds(1), MaxReconnectDelay = TimeSpan.FromMilliseconds(2) },
            _ =>
            {
                retries++;
                return ValueTask.CompletedTask;
            });
        var sessions = new Queue<SessionOutcome>([Refused, Refused, new SessionOutcome(true, ReconnectCauses.Stalled, "no frame", 500)]);

        var outcome = await pipeline.ExecuteAsync(_ => ValueTask.FromResult(sessions.Dequeue()));

        Assert.True(outcome.Healthy);
        Assert.Equal(ReconnectCauses.Stalled, outcome.Cause);
        Assert.Equal(2, retries);
    }

    [Fact]
    public async Task Without_a_limit_it_keeps_trying_and_unexpected_exceptions_are_retried_but_cancellation_is_not()
    {
        var pipeline = ReconnectPolicy.Create(new LiveOptions { ReconnectDelay = TimeSpan.FromMilliseconds(1), MaxReconnectDelay = TimeSpan.FromMilliseconds(1) }, null);
        var calls = 0;
        var outcome = await pipeline.ExecuteAsync(_ => ++calls switch
        {
            < 50 => ValueTask.FromResult(Refused),
            < 60 => throw new InvalidOperationException("bug"),
            _ => ValueTask.FromResult(new SessionOutcome(true, ReconnectCauses.ClosedByServer, "bye", 1)),
        });
        Assert.Equal(60, calls);
        Assert.True(outcome.Healthy);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var attempts = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(token =>
        {
            attempts++;
            token.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Refused);
        }, cancelled.Token));
        Assert.True(attempts <= 1);
    }
}
