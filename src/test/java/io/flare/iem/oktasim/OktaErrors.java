package io.flare.iem.oktasim;

import java.security.SecureRandom;
import java.util.List;

/**
 * The exact error strings the simulator answers with, from Okta's own error catalogues
 * ({@code error-codes.json} and {@code oauth2-error-codes.json}, release 2026.08.1): tests check
 * each one against the catalogue files.
 */
public final class OktaErrors {

  private OktaErrors() {}

  /** A management-API error: HTTP status, {@code errorCode}, {@code errorSummary}. */
  public record Api(int status, String code, String summary) {}

  /** An OAuth error: HTTP status, {@code error}, {@code error_description}. */
  public record OAuth(int status, String error, String description) {}

  public static final Api VALIDATION = new Api(400, "E0000001", "Api validation failed: {0}");
  public static final Api AUTHENTICATION_FAILED = new Api(401, "E0000004", "Authentication failed");
  public static final Api NO_PERMISSION = new Api(403, "E0000006",
      "You do not have permission to perform the requested action");
  public static final Api NOT_FOUND = new Api(404, "E0000007", "Not found: {0}");
  public static final Api INVALID_TOKEN = new Api(401, "E0000011", "Invalid token provided");
  public static final Api FEATURE_NOT_ENABLED = new Api(401, "E0000015",
      "You do not have permission to access the feature you are requesting");
  public static final Api METHOD_NOT_ALLOWED = new Api(405, "E0000022",
      "The endpoint does not support the provided HTTP method");
  public static final Api INVALID_PAGING = new Api(400, "E0000029", "Invalid paging request.");
  public static final Api INVALID_SEARCH = new Api(400, "E0000031", "Invalid search criteria.");
  public static final Api UNLOCK_NOT_ALLOWED = new Api(403, "E0000032", "Unlock is not allowed for this user.");
  public static final Api WRONG_STATUS = new Api(403, "E0000038",
      "This operation is not allowed in the user's current status.");
  public static final Api RATE_LIMITED = new Api(429, "E0000047",
      "API call exceeded rate limit due to too many requests.");
  public static final Api MALFORMED_BODY = new Api(400, "E0000003", "The request body was not well-formed.");
  public static final Api INVALID_FILTER = new Api(400, "E0000053", "Invalid SCIM filter.");

  public static final OAuth CLIENT_AUTH_FAILED = new OAuth(401, "invalid_client",
      "Client authentication failed. Either the client or the client credentials are invalid.");
  public static final OAuth NO_CLIENT_CREDENTIALS = new OAuth(401, "invalid_client", "No client credentials found.");
  public static final OAuth ASSERTION_ISSUER = new OAuth(401, "invalid_client",
      "The issuer claim for client_assertion is not a valid client_id.");
  public static final OAuth ASSERTION_SUBJECT = new OAuth(401, "invalid_client",
      "The subject claim for client_assertion is not a valid client_id.");
  public static final OAuth ASSERTION_AUDIENCE = new OAuth(401, "invalid_client",
      "The audience claim for client_assertion must be the endpoint invoked for the request.");
  public static final OAuth ASSERTION_EXP_REQUIRED = new OAuth(401, "invalid_client",
      "The client_assertion must contain the 'exp' claim as seconds since epoch.");
  public static final OAuth ASSERTION_EXPIRED = new OAuth(401, "invalid_client", "The client_assertion token is expired.");
  public static final OAuth ASSERTION_TOO_FAR = new OAuth(401, "invalid_client",
      "The client_assertion token has an expiration too far into the future.");
  public static final OAuth ASSERTION_IAT_FUTURE = new OAuth(401, "invalid_client",
      "The client_assertion token must be issued before the current time.");
  public static final OAuth ASSERTION_REUSED = new OAuth(401, "invalid_client",
      "The client_assertion token has already been used.");
  public static final OAuth ASSERTION_SIGNATURE = new OAuth(401, "invalid_client",
      "The client_assertion signature is invalid.");
  public static final OAuth ASSERTION_UNPARSEABLE = new OAuth(401, "invalid_client",
      "The parsing of the client_assertion failed.");
  public static final OAuth ASSERTION_KID = new OAuth(401, "invalid_client", "The client_assertion JWT kid is invalid.");
  public static final OAuth ASSERTION_ALG = new OAuth(401, "invalid_client",
      "The client_assertion JWT signature algorithm is invalid.");
  public static final OAuth JWKS_NO_KEY = new OAuth(401, "invalid_client",
      "The client JWKSet from jwks_uri must contain at least one key.");
  public static final OAuth JWKS_AMBIGUOUS = new OAuth(401, "invalid_client",
      "All keys in the client JWKSet from jwks_uri must have a unique kid.");
  public static final OAuth JWKS_ERROR = new OAuth(401, "invalid_client",
      "Error retrieving the client JWKSet from jwks_uri.");
  public static final OAuth PRIVATE_KEY_JWT_REQUIRED = new OAuth(401, "invalid_client",
      "Client Credentials requests to the Org Authorization Server must use the private_key_jwt"
          + " token_endpoint_auth_method.");
  public static final OAuth BAD_ASSERTION_TYPE = new OAuth(400, "invalid_request", "The client_assertion_type is invalid.");
  public static final OAuth DUPLICATE_PARAMS = new OAuth(400, "invalid_request",
      "The request contained multiple parameters with the same name.");
  public static final OAuth SCOPE_INVALID = new OAuth(400, "invalid_scope",
      "The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner.");
  public static final OAuth NO_SCOPES = new OAuth(400, "invalid_scope", "No scopes were requested.");
  public static final OAuth OPENID_NOT_ALLOWED = new OAuth(400, "invalid_scope",
      "Cannot request 'openid' scopes using client credentials.");
  public static final OAuth UNSUPPORTED_GRANT = new OAuth(400, "unsupported_grant_type",
      "The authorization grant type is not supported by the authorization server. Configured grant types: "
          + "[client_credentials].");
  public static final OAuth DPOP_MISSING = new OAuth(400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.");
  public static final OAuth DPOP_MULTIPLE = new OAuth(400, "invalid_dpop_proof",
      "Multiple DPoP proof JWT headers are not allowed.");
  public static final OAuth DPOP_TYP = new OAuth(400, "invalid_dpop_proof", "'typ' must be 'dpop+jwt' in the DPoP proof JWT.");
  public static final OAuth DPOP_ALG = new OAuth(400, "invalid_dpop_proof",
      "The DPoP proof JWT signature algorithm is invalid.");
  public static final OAuth DPOP_UNPARSEABLE = new OAuth(400, "invalid_dpop_proof", "The DPoP proof JWT cannot be parsed.");
  public static final OAuth DPOP_SIGNATURE = new OAuth(400, "invalid_dpop_proof", "The DPoP proof JWT signature is invalid.");
  public static final OAuth DPOP_HTM = new OAuth(400, "invalid_dpop_proof", "'htm' claim in the DPoP proof JWT is invalid.");
  public static final OAuth DPOP_HTU = new OAuth(400, "invalid_dpop_proof", "'htu' claim in the DPoP proof JWT is invalid.");
  public static final OAuth DPOP_IAT = new OAuth(400, "invalid_dpop_proof", "'iat' claim in the DPoP proof JWT is invalid.");
  public static final OAuth DPOP_FUTURE = new OAuth(400, "invalid_dpop_proof", "The DPoP proof JWT is issued in the future.");
  public static final OAuth DPOP_TOO_OLD = new OAuth(400, "invalid_dpop_proof",
      "The DPoP proof JWT is issued more than five minutes in the past.");
  public static final OAuth DPOP_JTI = new OAuth(400, "invalid_dpop_proof", "'jti' claim in the DPoP proof JWT is invalid.");
  public static final OAuth DPOP_REUSED = new OAuth(400, "invalid_dpop_proof", "The DPoP proof JWT has already been used.");
  public static final OAuth DPOP_ATH = new OAuth(400, "invalid_dpop_proof",
      "'ath' claim in the DPoP proof does not match the presented access_token.");
  public static final OAuth DPOP_BINDING = new OAuth(400, "invalid_dpop_proof",
      "The access_token is not bound to the provided DPoP proof.");
  public static final OAuth DPOP_PROOF_REQUIRED = new OAuth(400, "invalid_request",
      "The resource request requires a DPoP proof.");
  public static final OAuth DPOP_SCHEME_REQUIRED = new OAuth(400, "invalid_request",
      "The resource request must use the DPoP authentication scheme when using a DPoP bound token.");
  public static final OAuth NOT_DPOP_BOUND = new OAuth(401, "invalid_token", "The presented access_token is not DPoP bound.");
  public static final OAuth USE_NONCE = new OAuth(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.");
  /** RFC 9449 §9: a resource server's nonce demand (401 with a DPoP challenge and a {@code DPoP-Nonce}). */
  public static final OAuth RESOURCE_USE_NONCE = new OAuth(401, "use_dpop_nonce",
      "Resource server requires nonce in DPoP proof.");
  public static final OAuth TOKEN_INVALID = new OAuth(401, "invalid_token", "The token is invalid.");
  public static final OAuth TOKEN_EXPIRED = new OAuth(401, "invalid_token", "The token has expired.");
  public static final OAuth INSUFFICIENT_SCOPE = new OAuth(403, "insufficient_scope",
      "The access token provided does not contain the required scopes.");

  /** Every catalogue string used, for the catalogue test. */
  public static final List<Api> API_ERRORS = List.of(VALIDATION, AUTHENTICATION_FAILED, NO_PERMISSION, NOT_FOUND,
      INVALID_TOKEN, METHOD_NOT_ALLOWED, INVALID_PAGING, INVALID_SEARCH, UNLOCK_NOT_ALLOWED, WRONG_STATUS,
      RATE_LIMITED, MALFORMED_BODY, FEATURE_NOT_ENABLED, INVALID_FILTER);

  public static final List<OAuth> OAUTH_ERRORS = List.of(CLIENT_AUTH_FAILED, NO_CLIENT_CREDENTIALS, ASSERTION_ISSUER,
      ASSERTION_SUBJECT, ASSERTION_AUDIENCE, ASSERTION_EXP_REQUIRED, ASSERTION_EXPIRED, ASSERTION_TOO_FAR,
      ASSERTION_IAT_FUTURE, ASSERTION_REUSED, ASSERTION_SIGNATURE, ASSERTION_UNPARSEABLE, ASSERTION_KID, ASSERTION_ALG,
      JWKS_NO_KEY, JWKS_AMBIGUOUS, JWKS_ERROR, PRIVATE_KEY_JWT_REQUIRED, BAD_ASSERTION_TYPE, DUPLICATE_PARAMS,
      SCOPE_INVALID, NO_SCOPES, OPENID_NOT_ALLOWED, DPOP_MISSING, DPOP_MULTIPLE, DPOP_TYP, DPOP_ALG,
      DPOP_UNPARSEABLE, DPOP_SIGNATURE, DPOP_HTM, DPOP_HTU, DPOP_IAT, DPOP_FUTURE, DPOP_TOO_OLD, DPOP_JTI,
      DPOP_REUSED, DPOP_ATH, DPOP_BINDING, DPOP_PROOF_REQUIRED, DPOP_SCHEME_REQUIRED, NOT_DPOP_BOUND, USE_NONCE,
      TOKEN_INVALID, TOKEN_EXPIRED);

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** A fresh {@code errorId}: {@code oae} and 22 characters. */
  static String errorId() {
    StringBuilder b = new StringBuilder("oae");
    for (int i = 0; i < 22; i++) {
      b.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
    }
    return b.toString();
  }

  /** A fresh {@code X-Okta-Request-Id}: 32 hex characters. */
  static String requestId() {
    StringBuilder b = new StringBuilder(32);
    for (int i = 0; i < 32; i++) {
      b.append(Character.forDigit(RANDOM.nextInt(16), 16));
    }
    return b.toString();
  }

  /** The Okta error object, with {@code {0}} in the summary replaced by {@code param}. */
  static String body(Api error, String param, List<String> causes) {
    String summary = param == null ? error.summary() : error.summary().replace("{0}", param);
    StringBuilder b = new StringBuilder("{\"errorCode\":\"").append(error.code()).append("\",\"errorSummary\":");
    UserJson.quoted(b, summary).append(",\"errorLink\":\"").append(error.code()).append("\",\"errorId\":\"")
        .append(errorId()).append("\",\"errorCauses\":[");
    for (int i = 0; i < causes.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"errorSummary\":");
      UserJson.quoted(b, causes.get(i)).append('}');
    }
    return b.append("]}").toString();
  }

  static String body(OAuth error) {
    StringBuilder b = new StringBuilder("{\"error\":\"").append(error.error()).append("\",\"error_description\":");
    return UserJson.quoted(b, error.description()).append('}').toString();
  }
}
