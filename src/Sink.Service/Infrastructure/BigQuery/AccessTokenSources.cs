using Google.Apis.Auth.OAuth2;

namespace BitcoinVolume.Sink.Infrastructure.BigQuery;

/// <summary>Gives the bearer token of each BigQuery request (<see langword="null"/>: send no Authorization header).</summary>
public interface IAccessTokenSource
{
    Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A service account's OAuth access token, from its JSON key file (Google.Apis.Auth: the key signs a JWT that the key's
/// <c>token_uri</c> exchanges for an access token; tokens are cached and refreshed before they expire).
/// </summary>
public sealed class ServiceAccountTokenSource : IAccessTokenSource
{
    private readonly ITokenAccess credential;

    public ServiceAccountTokenSource(string keyFilePath, string scope = BigQueryOptions.InsertScope)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFilePath);
        if (!File.Exists(keyFilePath))
        {
            throw new InvalidOperationException($"The BigQuery service-account key file '{keyFilePath}' does not exist (Sink:BigQuery:CredentialsPath or GOOGLE_APPLICATION_CREDENTIALS).");
        }

        var serviceAccount = CredentialFactory.FromFile<ServiceAccountCredential>(keyFilePath);
        credential = serviceAccount.ToGoogleCredential().CreateScoped(scope);
    }

    public async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) =>
        await credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
}

/// <summary>No token (local emulators, <c>Sink:BigQuery:Anonymous=true</c>).</summary>
public sealed class AnonymousTokenSource : IAccessTokenSource
{
    public Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
