using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BitcoinVolume.Aggregate.Tests;

/// <summary>Bad <c>Aggregate:*</c> settings stop the service at start with a message naming each bad setting (source-generated validator).</summary>
public sealed class AggregateOptionsValidationTests
{
    [Theory]
    [InlineData("Aggregate:BatchSize", "0", "AggregateOptions.BatchSize must be between 1 and 1000000")]
    [InlineData("Aggregate:BatchMaxWaitMs", "-1", "AggregateOptions.BatchMaxWaitMs must be between 0 and 60000")]
    [InlineData("Aggregate:StatePath", "", "Aggregate:StatePath must name a folder")]
    [InlineData("Aggregate:Windowing:Grace", "-00:00:01", "Aggregate:Windowing:Grace must be >= 0")]
    [InlineData("Aggregate:Windowing:Retention", "00:00:00", "Aggregate:Windowing:Retention must be > 0")]
    [InlineData("Aggregate:Checkpoints:Interval", "00:00:00", "Aggregate:Checkpoints:Interval must be between 00:00:01 and 1.00:00:00")]
    [InlineData("Aggregate:Checkpoints:Retain", "0", "AggregateOptions.Checkpoints.Retain must be between 1 and 100")]
    public async Task A_bad_setting_stops_the_service_at_start_naming_it(string key, string value, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddAggregateServices();
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(timeout.Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        var result = new AggregateOptionsValidator().Validate(null, new AggregateOptions());
        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
