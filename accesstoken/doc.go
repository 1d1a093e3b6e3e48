// Package accesstoken validates OAuth 2.0 access tokens for an API (a
// resource server): JWT access tokens, checked locally against the issuer's
// keys, and opaque tokens, resolved by token introspection (RFC 7662).
//
//	ats, err := accesstoken.NewValidator(accesstoken.Config{
//		Issuer:   "https://tenant.example.com/",
//		Audience: "https://api.example.com",
//		Keys:     keys, // jwks.FromIssuer, jwks.New or jwks.Static
//	})
//	if err != nil {
//		return err
//	}
//	at, err := ats.Validate(ctx, raw)
//	if err != nil {
//		return err // errors.Is(err, token.ErrExpired), token.ErrAudience, ...
//	}
//	fmt.Println(at.Subject, at.HasScope("read:appointments"))
//
// The validator accepts access tokens minted for this API and nothing else.
// In particular an OpenID Connect ID token is refused with
// token.ErrTokenType, with or without nonce, even where a client ID happens
// to equal an API identifier. The rules were checked against the ID tokens
// and access tokens Auth0, Okta, Microsoft Entra ID (v1 and v2), Keycloak,
// Amazon Cognito, Google and ZITADEL document. A JWT is not an access
// token when:
//
//   - it carries a claim only ID tokens have (nonce, at_hash, c_hash), or
//     events (a security event token such as a back-channel logout token,
//     whatever its typ), or a provider's marker names another kind: Keycloak's typ claim other than
//     "Bearer" ("ID", "Refresh", "Offline", "Logout"), Cognito's token_use
//     other than "access" ("id");
//   - it names no client the way every access token does (client_id, azp,
//     Okta's cid, Entra ID v1's appid);
//   - unless typed "at+jwt", its aud includes the very client it was issued
//     to and that client's ID is an audience this API accepts: what makes
//     an ID token (OIDC Core §2). Where an API and a client share one
//     identifier the issuer must type its access tokens "at+jwt" (RFC 9068;
//     Auth0 calls it the RFC 9068 token profile), or the configuration must
//     name the provider (Config.Provider), whose own access-token marker
//     then tells its tokens apart (Entra ID's ver with scp, idtyp, azpacr or
//     appidacr; Keycloak's typ claim; Cognito's token_use; Okta's cid and
//     scp; ZITADEL's jti without auth_time), since a token typed "JWT" or
//     untyped cannot otherwise be told from that client's ID token;
//   - unless typed "at+jwt", it shows no grant (no scope, scp, permissions,
//     Auth0's gty, Entra ID's azpacr or appidacr, Okta's cid, Entra ID v1's
//     appid, Keycloak's typ "Bearer", a token_use naming an access token)
//     and either names its client only in azp for another audience (an ID
//     token issued to one client for another, such as Google's cross-client
//     ID token: aud the web client, azp the Android app), or is addressed to
//     its own client and tells of the user's login (auth_time, amr, acr,
//     sid or an OIDC profile claim such as email), as ZITADEL's ID tokens
//     are. ZITADEL's access tokens, addressed to their client and the
//     project but telling nothing of the login, pass.
//
// # Several issuers
//
// Config.Issuers lists further trusted issuers, each with its own keys and,
// optionally, its own audiences and Provider; Config.IssuerKeys routes
// tokens of issuers decided at run time (jwks.NewIssuers: the tenants of a
// multi-tenant provider). A token is verified only with the keys of the
// issuer its iss names, compared exactly, and a token of any other issuer
// is refused with token.ErrIssuer before any key is looked up, so it costs
// no network call.
//
// # Roles, groups and checks of your own
//
// Config.Require lists claims a token must hold, as providers express roles
// and groups (token.Claim("realm_access", "roles").Contains("admin")); a
// token falling short is refused with token.ErrInsufficientScope, which the
// middleware answers 403 insufficient_scope. Config.Check is called with
// every accepted token, cache hits included, for rules of your own.
//
// # Which path a token takes
//
// A token in the form of a JOSE object is a JWT and is validated locally: a
// string with exactly two dots (a compact JWS's three segments), one that
// begins with "{" (the JWS JSON serialization, refused), or one whose first
// segment is the base64url encoding of a JSON object (a JWE, refused).
// Every other string is opaque and goes to the configured
// introspect.Introspector; opaque formats with one dot, such as Google's
// "ya29.…", are fine, but an opaque token must not have exactly two unless
// it holds a "~", which no base64 alphabet has (RFC 9449's example token
// "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"). A JWT
// that fails validation is never retried through introspection: the refusal
// stands, and nothing that looks like a JWT is ever sent to the introspector
// unless it passed (see Config.IntrospectJWTs).
//
// A validator configured with Keys but no Introspector reads JWTs only, and
// refuses an opaque token with token.ErrMalformed (as the ID token validator
// would), with a message saying no Introspector is configured. One with an
// Introspector but no Keys resolves opaque tokens only, and refuses anything
// in the form of a JWT with token.ErrTokenType. To check JWTs through
// introspection too, configure both and set Config.IntrospectJWTs.
//
// # JWT access tokens
//
// The signature, algorithm, header and time checks are package token's
// pipeline (token.Verifier): see its documentation. On top of it:
//
//   - iss must equal Config.Issuer, or an issuer of Config.Issuers, exactly,
//     or be trusted by Config.IssuerKeys (token.ErrIssuer; absent:
//     token.ErrMissingClaim).
//   - aud, a string or an array, must include Config.Audience or one of
//     Config.Audiences, or the issuer's own Audiences (token.ErrAudience;
//     absent: token.ErrMissingClaim). The one exception is opt-in: with
//     Provider Cognito and AppClientIDs, a token without aud whose
//     token_use is "access" and whose client_id is listed.
//   - exp is required (token.ErrMissingClaim); exp, nbf and iat are checked
//     with Config.Leeway.
//   - The header's typ may be "at+jwt" or "application/at+jwt" (RFC 9068,
//     compared case-insensitively), or "JWT" or absent as many providers
//     (Auth0 among them) send; Config.StrictRFC9068 accepts only the first
//     two. Any other typ, such as an ID token's "id_token+jwt" or a DPoP
//     proof's "dpop+jwt", is refused with token.ErrTokenType before any key
//     is fetched.
//   - A token typed "at+jwt" declares RFC 9068's profile and is held to it,
//     with or without Config.StrictRFC9068; see "RFC 9068 claim by claim"
//     below. With Config.StrictRFC9068 every claim §2.2 requires (iss, exp,
//     aud, sub, client_id, iat, jti) must be present (token.ErrMissingClaim).
//   - The token must not be an ID token or another kind of JWT
//     (token.ErrTokenType): see above.
//   - scope must be a string; scp a string or an array of strings;
//     permissions an array of strings; client_id, azp, cid and appid
//     strings, client_id and azp naming the same client when both are
//     present. Anything else is token.ErrInvalidClaim.
//
// # RFC 9068 claim by claim
//
// RFC 9068 §2.2 requires iss, exp, aud, sub, client_id, iat and jti in a
// JWT access token. A token whose typ is "at+jwt" claims to follow that
// profile, so it is held to the part of it that the issuers which type
// their tokens that way (Auth0's RFC 9068 profile, Duende IdentityServer,
// Keycloak, panva's oidc-provider) all honour, even without
// Config.StrictRFC9068; a missing one is token.ErrMissingClaim:
//
//   - iss, exp, aud: required of every access token, typed or not.
//   - iat: required. Every such issuer sends it, and a token that claims
//     the profile without saying when it was issued is not what it says.
//   - jti: required, for the same reason; it is also the identifier to
//     key revocation and replay lists on (see "The raw token is not an
//     identity" below).
//   - sub: optional. IdentityServer leaves it out of client-credentials
//     tokens, which have no user.
//   - client_id: optional as such, but the token must name its client in
//     client_id, azp, cid or appid, as every access token must: Keycloak
//     names it in azp.
//
// Config.StrictRFC9068 requires all seven and the typ itself. A token typed
// "JWT" or untyped is held to the rules every access token is (iss, exp,
// aud and a client).
//
// # Opaque tokens
//
// An opaque token must be an RFC 6750 b64token (letters, digits and
// "-._~+/", then optional "="), no longer than Config.MaxTokenSize; anything
// else is token.ErrMalformed and is never sent anywhere. The Introspector's
// answer is then checked:
//
//   - active false: token.ErrInactive.
//   - What the answer says the token is: token_type (RFC 7662), token_use
//     (Ory Hydra) and typ (Keycloak), each when present, must name an
//     access token: token_type "Bearer" (any case), "access_token",
//     "client_credentials" or "urn:ietf:params:oauth:token-type:access_token",
//     token_use "access_token", typ "Bearer". Anything else, such as
//     "refresh_token", "Refresh", "Offline" or "ID", is token.ErrTokenType.
//     "DPoP" (token_type or typ) names a DPoP-bound access token, which then
//     needs cnf.jkt and its proof (see below).
//   - iss, when present, must equal Config.Issuer (token.ErrIssuer).
//   - aud must include an accepted API identifier (token.ErrAudience).
//   - A refresh token never passes, whatever the configuration. Some
//     servers (panva's oidc-provider, a certified OpenID provider, among
//     them) answer active for a refresh token with neither aud nor
//     token_type, so an answer that names no aud must name an access token
//     in one of the members above, or it is token.ErrTokenType. Such an
//     answer that does name an access token (panva answers token_type
//     "Bearer" for its access tokens, with aud only when a resource was
//     requested) is still refused with token.ErrAudience, unless
//     Config.AllowIntrospectionWithoutAudience is set for a server that
//     never sends aud.
//   - exp, nbf and iat, when present, are checked with the leeway
//     (token.ErrExpired, token.ErrNotYetValid, token.ErrIssuedInFuture).
//   - Scopes come from scope (or a scp member the server adds), split as a
//     JWT's are (see Scopes below), permissions from a permissions array. A member of the wrong type there makes the
//     answer unusable: token.ErrUnavailable, as package introspect treats
//     every malformed answer, because the fault is the server's.
//
// # Scopes
//
// A scope string, from a JWT's scope claim, Entra ID's string scp or an
// introspection answer, is split at spaces and nowhere else (RFC 6749
// §3.3 delimits scope tokens with %x20 and allows no other whitespace in
// them): a tab or a no-break space is part of the scope it appears in, so
// "read\u00a0admin" grants one odd scope, never "read" and "admin". Both
// paths, and introspect.Response.Scopes, use the same splitter.
//
// An error from the Introspector (the endpoint is down, slow or answered
// nonsense) matches token.ErrUnavailable: nothing was decided about the
// token, and a resource server should answer 503 rather than 401.
//
// # Sender-constrained tokens (DPoP, mutual TLS)
//
// A token whose cnf (RFC 7800) binds it to a key or certificate, in a JWT or
// an introspection answer, is accepted only with the proof of possession
// that binding asks for, and never as a bearer token: Validate refuses it
// with token.ErrSenderConstrained (RFC 9449 §7.2, RFC 8705 §3). A cnf that
// names a method this package does not check (jwk, jwe, kid, ...) is refused
// the same way. ValidateProof takes the proof the request carried
// (middleware fills it from the request):
//
//   - cnf.jkt (RFC 9449): Proof.DPoP must hold a DPoP proof, checked as §4.3
//     lists, cheap checks before its signature: a strict compact JWS of at
//     most token.DefaultMaxProofSize bytes typed "dpop+jwt", an alg on
//     Config.DPoP.Algorithms (asymmetric only), a public jwk in the header
//     that fits the alg and verifies the signature (private members and
//     symmetric keys refused), jti (at most MaxDPoPJTILength bytes), htm
//     equal to Proof.Method, htu equal to Proof.URI without its query and
//     fragment after RFC 3986 §6.2.2 and §6.2.3 normalisation (an htu with a
//     query or fragment is refused), iat no older than Config.DPoP.MaxAge
//     plus Leeway and no further than Leeway in the future, ath the
//     base64url SHA-256 of the token, and with Config.DPoP.Nonces a nonce it
//     accepts. Any of these failing is token.ErrDPoPProof; a missing or
//     stale nonce is token.ErrDPoPNonce. Then the jwk's RFC 7638 thumbprint
//     must equal cnf.jkt (token.ErrBinding), and last the proof's jti,
//     scoped to that thumbprint, must be new to Config.DPoP.ReplayStore
//     (token.ErrReplay), which remembers it while the proof could be
//     accepted. A store or nonce source that fails is token.ErrUnavailable.
//   - cnf.x5t#S256 (RFC 8705): Proof.Certificate must be the certificate
//     whose SHA-256 thumbprint it names (token.ErrBinding; none at all is
//     token.ErrSenderConstrained). Such a token comes as a bearer token over
//     mutual TLS; with the DPoP scheme it is token.ErrBinding.
//   - A token bound to nothing that comes with a DPoP proof is refused with
//     token.ErrBinding: the proof cannot vouch for it.
//
// A token bound both ways needs both proofs. An introspection answer with
// token_type "DPoP" but no cnf.jkt is unusable (token.ErrUnavailable).
//
// # Caching
//
// JWTs that pass are remembered in a verified-token cache (on by default,
// Config.CacheSize entries; see package internal/tokencache's design): a
// token seen again skips the signature check, which makes a hit tens of
// times cheaper than a full RS256 validation (a few hundred nanoseconds and
// one allocation; see the README's performance table). An entry never
// outlives the token's exp, dies as soon as the key that verified it leaves
// the issuer's key set, and the time checks run again on every hit. Each
// call returns its own *Token with slices of its own (their strings, which
// no caller can change, are shared), so a caller that modifies its Token
// changes nothing for later callers. With
// Config.IntrospectJWTs the introspection call still happens on every hit,
// since its purpose is to see revocation at once.
//
// Opaque tokens are not cached here: every opaque token costs one call to the
// Introspector. Wrap an introspect.Client in an introspect.Cache to remember
// answers (keyed by the token's SHA-256, bounded, with a short negative TTL):
//
//	client, err := introspect.NewClient(introspect.Config{Endpoint: u, ClientID: id, ClientSecret: s})
//	if err != nil {
//		return err
//	}
//	ats, err := accesstoken.NewValidator(accesstoken.Config{
//		Issuer: iss, Audience: "https://api.example.com", Keys: keys,
//		Introspector: introspect.NewCache(client, introspect.CacheOptions{}),
//	})
//
// # The raw token is not an identity
//
// ECDSA signatures are malleable: one ES256, ES384 or ES512 access token
// has two valid raw forms (the signature's s and n−s both verify), and
// anyone holding the token can make the second. So a revocation list,
// a replay list or a rate limit must not be keyed on Token.Raw or a hash of
// it: key it on Token.ID (the jti claim, which a token typed "at+jwt" must
// carry) together with Token.Issuer. The verified-token cache is keyed on
// the raw string, which is harmless there: the other form is a cache miss
// and is verified in full.
//
// # Errors
//
// Every error Validate returns matches exactly one sentinel of package token
// with errors.Is, and is a *token.ValidationError naming the claim at fault
// and saying what was found and what was expected. Messages never contain
// the token itself.
package accesstoken
