// Package idtoken validates OpenID Connect ID tokens: the JWT an OpenID
// Provider gives an application (the client) to say who logged in.
//
// An ID token is meant for the application and nobody else. Validate accepts
// a token only when it was signed by the configured provider with an allowed
// algorithm, names this client as its audience, is within its lifetime and,
// per call, matches what the application sent in its authentication request
// (OpenID Connect Core 1.0 §3.1.3.7):
//
//	ids, err := idtoken.NewValidator(idtoken.Config{
//		Issuer:   "https://tenant.example.com/",
//		ClientID: "my-client-id",
//		Keys:     keys, // jwks.FromIssuer(ctx, issuer, jwks.Options{})
//	})
//	if err != nil {
//		return err
//	}
//	id, err := ids.Validate(ctx, raw, idtoken.WithNonce(nonceFromSession))
//	if err != nil {
//		return err // errors.Is(err, token.ErrNonce) when it is not this session's nonce
//	}
//	var mine struct {
//		Roles []string `json:"https://example.com/roles"`
//	}
//	if err := id.Claims(&mine); err != nil {
//		return err
//	}
//	fmt.Println(id.Subject, id.Email, mine.Roles)
//
// Every refusal matches one sentinel of package token with errors.Is and
// carries, through errors.As and *token.ValidationError, the claim at fault
// and a sentence saying what was found and what was expected.
//
// # Choices beyond the letter of OIDC Core
//
//   - The default algorithm allow-list is RS256 alone; list others in
//     Config.Algorithms. HMAC algorithms verify only with symmetric keys the
//     caller configured; "none" never.
//   - aud must contain the client ID and, unless Config.TrustedAudiences says
//     otherwise, nothing else; several audiences require azp, and any azp must
//     be the client ID.
//   - iat is required, like exp. Config.MaxAge limits the age since iat and
//     reports a token that is too old with token.ErrExpired, the same error as
//     a passed exp, because to the caller both mean "this token is too old to
//     accept, get a new one". WithMaxAge, the max_age of the authentication
//     request, is a different rule about auth_time and reports
//     token.ErrAuthTime.
//   - A per-call check whose expected value is empty (WithNonce(""),
//     WithAccessToken(""), WithCode(""), WithACR()) refuses every token, so a
//     lost session value cannot match a token that lacks the claim.
//   - An access token, a logout token or another JWT the provider signs is
//     refused with token.ErrTokenType even when it passes the rules above.
//     The markers: a header typ of at+jwt, logout+jwt, secevent+jwt,
//     token-introspection+jwt, dpop+jwt or oauth-authz-req+jwt (case
//     insensitive, "application/" optional); a client_id or scp claim; a
//     token_use claim other than "id"; an events claim; a typ claim of
//     "Bearer". A scope claim alone is not a marker, because some providers
//     copy scope into ID tokens; nor is a missing nonce, which the code flow
//     allows.
//   - The typed claims must have their JSON types, or the token is refused
//     with token.ErrInvalidClaim: "email_verified": "true" (a string) is not
//     read as true, and an auth_time that is not a number is not ignored.
//     Profile claims sent as null read as absent; auth_time, nonce, acr, amr,
//     azp and sid sent as null are refused. updated_at is accepted as
//     seconds or as an RFC 3339 string, which some providers send.
//   - at_hash and c_hash use the hash of the token's algorithm; for EdDSA
//     (Ed25519) that is SHA-512, as the OpenID Foundation resolved.
//     Comparisons of nonce and hashes take constant time.
//
// # Several providers
//
// Config.Issuers lists further trusted providers, each with its own keys and
// optionally its own client ID (a login page offering several), or further
// spellings of one issuer (Google's "https://accounts.google.com" and
// "accounts.google.com"); Config.IssuerKeys routes tokens of issuers decided
// at run time (jwks.NewIssuers: the tenants of Entra ID's common endpoint,
// with tid checked against the tenant in iss). Each token is verified with
// the keys of the issuer its iss names, compared exactly; any other issuer
// is refused with token.ErrIssuer before a key is looked up.
//
// Config.Require lists claims every token must hold (roles, groups: see
// token.Requirement) and Config.Check runs checks of your own on every
// call, cache hits included; both refuse with token.ErrInsufficientScope
// unless Check says otherwise.
//
// # The verified-token cache
//
// A Validator remembers the tokens it accepted (Config.CacheSize entries,
// 4096 by default; negative disables it), keyed by a seeded hash of the raw
// token and confirmed by comparing the whole token. A token seen again skips
// the signature check and the rules that depend only on the token and the
// configuration. exp (with the leeway), Config.MaxAge and every Option are
// checked again on each call, so a cached token with the wrong nonce is still
// refused. An entry never outlives the token's exp, and dies as soon as the
// key that verified it leaves the provider's key set. The Token returned is a
// copy: changing it cannot change what the cache holds.
//
// An entry costs the raw token and about 390 bytes beside it for a typical
// ID token (see DefaultCacheSize): the cache keeps the Token packed into one
// string rather than as a struct, and a hit unpacks it into the caller's
// new Token: one allocation for a token of up to two audiences and AMR
// values together, two for more.
//
// # UserInfo
//
// A UserInfoClient fetches the user's claims from the provider's UserInfo
// endpoint (OpenID Connect Core §5.3) with the access token of the login,
// and returns them only when the answer is about the user of the validated
// ID token: an answer for another subject is refused with token.ErrSubject
// (the OpenID Foundation's rp-userinfo-bad-sub-claim). Signed answers
// (application/jwt) are verified with the provider's keys, their iss and aud
// checked. The answer's standard claims have the same type as the ID
// token's (StandardClaims).
//
// A 401 or 403 from the endpoint is reported as token.ErrTokenRefused, not
// token.ErrUnavailable: it is the provider's verdict that the access token
// is expired, revoked or lacks a scope, which asking again will not change
// (refresh the token or log the user in again), while an outage is worth a
// retry. The *UserInfoRefusal in the error says which.
//
// An access token bound to a DPoP key (RFC 9449) is sent with a proof of
// that key when UserInfoConfig.DPoP holds it: "Authorization: DPoP" and a
// DPoP header carrying a new proof for each request (typ dpop+jwt, the
// public jwk, a random jti, htm, htu without the endpoint's query, iat, ath
// and the server's latest nonce). A 401 with error="use_dpop_nonce" and a
// DPoP-Nonce header is answered by exactly one more request with that
// nonce; a server that asks again gets no third, and the error matches
// token.ErrTokenRefused. Without UserInfoConfig.DPoP the token goes as a
// bearer token, which a server refuses for a bound token.
//
// # Back-channel logout
//
// A LogoutValidator accepts exactly the logout tokens of OpenID Connect
// Back-Channel Logout 1.0 (§2.4, §2.6) and returns the user (sub) or the
// session (sid, the ID token's SessionID) to end; an ID token or an access
// token is refused with token.ErrTokenType, as Validator refuses a logout
// token. Each jti is accepted once: a token.ReplayStore remembers it until
// the token could no longer pass anyway, so a captured logout token cannot
// end the user's next session. A LogoutHandler serves the back-channel
// logout URI and answers the provider as §2.8 says.
//
// # Out of scope
//
// Encrypted ID tokens and UserInfo answers (JWE) are refused with
// token.ErrMalformed.
package idtoken
