using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace BitcoinVolume.Sink.Apis;

/// <summary>
/// A query that fails because the database cannot be reached (connection refused, timeout, server shutting down) is a
/// 503 with problem details and <c>Retry-After</c>, not a 500: the request was fine, the database is away (/health says
/// Degraded meanwhile).
/// </summary>
internal sealed partial class StoreUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<StoreUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (!IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(httpContext.Request.Path, exception.GetType().Name, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The volume database is unavailable.",
                Detail = "The database did not answer; try again shortly (see /health).",
            },
        });
    }

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        DbException or SocketException or TimeoutException => true,
        _ when exception.InnerException is { } inner => IsUnavailable(inner),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: the database is unavailable ({Error}: {Message}); answered 503.")]
    private partial void LogUnavailable(string path, string error, string message);
}
