using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BitcoinVolume.TestSupport;

/// <summary>One line a <see cref="TestOutputLogger"/> was given.</summary>
public sealed record TestLogLine(string Category, LogLevel Level, string Message, Exception? Exception);

/// <summary>
/// Writes log lines (at <c>minimum</c> and above) to the test output and keeps them in <see cref="Lines"/> for
/// assertions. Use it as an <see cref="ILogger"/>, as an <see cref="ILogger{T}"/> (<see cref="TestOutputLogger{T}"/>), or
/// give a host <see cref="TestOutputLoggerProvider"/>, whose loggers share one list of lines.
/// </summary>
public class TestOutputLogger : ILogger
{
    private readonly ITestOutputHelper output;
    private readonly LogLevel minimum;
    private readonly string category;

    public TestOutputLogger(ITestOutputHelper output, LogLevel minimum = LogLevel.Information)
        : this(output, minimum, string.Empty, new ConcurrentQueue<TestLogLine>())
    {
    }

    internal TestOutputLogger(ITestOutputHelper output, LogLevel minimum, string category, ConcurrentQueue<TestLogLine> lines)
    {
        this.output = output;
        this.minimum = minimum;
        this.category = category;
        Lines = lines;
    }

    /// <summary>Every line logged at <c>minimum</c> or above, in order.</summary>
    public ConcurrentQueue<TestLogLine> Lines { get; }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        Lines.Enqueue(new TestLogLine(category, logLevel, message, exception));
        try
        {
            var source = category.Length == 0 ? string.Empty : $" [{category}]";
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}{source}: {message}{(exception is null ? "" : " " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // Background threads (librdkafka, a forwarder, a host shutting down) may log after the test has finished.
        }
    }
}

/// <summary>A <see cref="TestOutputLogger"/> for code that asks for an <see cref="ILogger{TCategoryName}"/>.</summary>
public sealed class TestOutputLogger<T>(ITestOutputHelper output, LogLevel minimum = LogLevel.Information)
    : TestOutputLogger(output, minimum, typeof(T).Name, new ConcurrentQueue<TestLogLine>()), ILogger<T>;

/// <summary>Gives a host's loggers that write to the test output; <see cref="Lines"/> holds what all of them logged.</summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    public ConcurrentQueue<TestLogLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, minimum, categoryName, Lines);

    public void Dispose()
    {
    }
}
