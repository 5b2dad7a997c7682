using System.Collections.Concurrent;
using BitcoinVolume.Contracts;
using BitcoinVolume.Ingest.Producing;

namespace BitcoinVolume.Ingest.Tests.Fakes;

/// <summary>An <see cref="ITradeOutput"/> that keeps what it is given.</summary>
public sealed class ListOutput : ITradeOutput
{
    public ConcurrentQueue<Trade> Trades { get; } = new();

    public ConcurrentQueue<DeadLetter> DeadLetters { get; } = new();

    public ConcurrentQueue<TradeGap> Gaps { get; } = new();

    public ValueTask PublishGapAsync(TradeGap gap, CancellationToken cancellationToken)
    {
        Gaps.Enqueue(gap);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishAsync(Trade trade, CancellationToken cancellationToken)
    {
        Trades.Enqueue(trade);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        DeadLetters.Enqueue(letter);
        return ValueTask.CompletedTask;
    }
}
