namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>BigQuery did not accept a batch: an HTTP error, or rows rejected in <c>insertErrors</c>.</summary>
public sealed class BigQueryInsertException : Exception
{
    public BigQueryInsertException()
    {
    }

    public BigQueryInsertException(string message)
        : base(message)
    {
    }

    public BigQueryInsertException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BigQueryInsertException(string message, int? statusCode, bool transient)
        : base(message)
    {
        StatusCode = statusCode;
        Transient = transient;
    }

    /// <summary>HTTP status of the last answer, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>True when retrying later may succeed (5xx, 429, transient row errors); false for invalid rows or requests.</summary>
    public bool Transient { get; }
}
