using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Outcry.Core;

namespace Outcry.Server.Auth;

/// <summary>
/// Validates client JWTs: HS256/384/512 with <c>Outcry:Auth:JwtSecret</c>, RS*/PS*/ES* with <c>JwtPublicKey</c>;
/// <c>exp</c> and <c>nbf</c> enforced when present, <c>sub</c> required (the user id). Optional claims:
/// <c>rooms</c> (names to join, patterns to allow) and <c>info</c> (any JSON, handed to the application).
/// </summary>
internal sealed class JwtAuthenticator
{
    private const int MinSecretBytes = 32;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    private JwtAuthenticator(TokenValidationParameters parameters) => _parameters = parameters;

    /// <summary>Null when neither a secret nor a public key is configured; throws on a key that cannot work.</summary>
    public static JwtAuthenticator? Create(AuthOptions options)
    {
        var keys = new List<SecurityKey>();
        var algorithms = new List<string>();
        if (!string.IsNullOrEmpty(options.JwtSecret))
        {
            var secret = Encoding.UTF8.GetBytes(options.JwtSecret);
            if (secret.Length < MinSecretBytes)
            {
                throw new InvalidOperationException($"Outcry:Auth:JwtSecret must be at least {MinSecretBytes} bytes (256 bits) for HS256; it has {secret.Length}.");
            }

            keys.Add(new SymmetricSecurityKey(secret));
            algorithms.AddRange([SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512]);
        }

        if (!string.IsNullOrWhiteSpace(options.JwtPublicKey))
        {
            var (key, family) = ReadPublicKey(options.JwtPublicKey);
            keys.Add(key);
            algorithms.AddRange(family);
        }

        if (keys.Count == 0)
        {
            return null;
        }

        return new JwtAuthenticator(new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            // Each key only with its own family: an RSA public key is never accepted as an HMAC secret.
            ValidAlgorithms = algorithms,
            ValidateIssuer = options.JwtIssuer is not null,
            ValidIssuer = options.JwtIssuer,
            ValidateAudience = options.JwtAudience is not null,
            ValidAudience = options.JwtAudience,
            ValidateLifetime = true,
            RequireExpirationTime = false,
            ClockSkew = options.ClockSkew,
        });
    }

    /// <summary>The identity the token proves, or a rejection saying why not.</summary>
    public async Task<ClientIdentity> AuthenticateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            throw result.Exception switch
            {
                SecurityTokenExpiredException => AuthFailure.Reject("token_expired", "invalid token: expired"),
                SecurityTokenNotYetValidException => AuthFailure.Reject("token_not_yet_valid", "invalid token: not valid yet (nbf)"),
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException
                    => AuthFailure.Reject("token_bad_signature", "invalid token: bad signature"),
                SecurityTokenInvalidAlgorithmException => AuthFailure.Reject("token_bad_algorithm", "invalid token: algorithm not accepted"),
                SecurityTokenInvalidIssuerException => AuthFailure.Reject("token_bad_issuer", "invalid token: wrong issuer"),
                SecurityTokenInvalidAudienceException => AuthFailure.Reject("token_bad_audience", "invalid token: wrong audience"),
                _ => AuthFailure.Reject("token_invalid", "invalid token: malformed"),
            };
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        return IdentityClaims.Read(payload.RootElement, "token") ?? throw AuthFailure.Reject("token_no_subject", "invalid token: no sub claim");
    }

    // A PEM text, or the path of a PEM file; RSA or EC.
    private static (SecurityKey Key, string[] Algorithms) ReadPublicKey(string value)
    {
        var pem = value.Contains("-----BEGIN", StringComparison.Ordinal) ? value : File.ReadAllText(value);
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return (new RsaSecurityKey(rsa), [
                SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512]);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
            }
            catch (Exception e2) when (e2 is ArgumentException or CryptographicException)
            {
                throw new InvalidOperationException("Outcry:Auth:JwtPublicKey is neither an RSA nor an EC public key in PEM form.", e2);
            }

            return (new ECDsaSecurityKey(ec), [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512]);
        }
    }
}
