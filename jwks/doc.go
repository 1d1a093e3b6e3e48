// Package jwks supplies the verification keys of an issuer to tokenguard's
// validators: a token.KeySource that one process shares between all of them.
//
//   - Static serves a key set the caller already holds and never touches the
//     network.
//   - New serves the JSON Web Key Set (RFC 7517 §5) at a URL.
//   - FromIssuer reads the issuer's discovery document (OpenID Connect
//     Discovery, falling back to RFC 8414 authorization server metadata),
//     refuses it unless its issuer is exactly the configured one, and serves
//     the key set its jwks_uri names. Remote.Discovery gives the rest of the
//     document, such as the introspection_endpoint and the ID token signing
//     algorithms.
//
// A typical resource server or relying party makes one Remote at start-up:
//
//	keys, err := jwks.FromIssuer(ctx, "https://tenant.example.com/", jwks.Options{})
//	if err != nil {
//		return err // matches token.ErrUnavailable, or ErrURL
//	}
//	defer keys.Close()
//	ids, err := idtoken.NewValidator(idtoken.Config{Issuer: "https://tenant.example.com/", ClientID: id, Keys: keys})
//
// # What a Remote guarantees
//
// Validation never waits on the network while usable keys are in memory.
// Readers load an immutable *token.KeySet through an atomic pointer: no lock,
// no allocation. A fetch builds a new set and swaps it in only when it
// succeeded, so when the endpoint fails (an error status, a timeout, a reset,
// malformed JSON, an oversized body, a set with no usable key) the last good
// keys stay in use. Only when no key was ever fetched is the error
// token.ErrUnavailable; New and FromIssuer do the first fetch and return
// that error, so a Remote always holds keys.
//
// Keys are refreshed in the background when the answer's Cache-Control
// max-age, or else its Expires, says they go stale, clamped to
// [Options.MinRefresh, Options.MaxRefresh] (by default 5 minutes and 24
// hours; an answer with neither header is refreshed after MinRefresh). After
// a failed refresh the next try comes after 10 seconds, doubling with each
// further failure up to MinRefresh.
//
// A token whose kid is not in the set makes Keys refetch once, then refuse
// the kid with token.ErrKeyNotFound if the fresh set does not hold it
// either. When the refetch fails, the answer is token.ErrUnavailable, not
// a refusal: the token may be signed by a key the issuer published just
// before its endpoint went down, so the outage is not blamed on the token
// (a resource server answers 503, and the client retries). Refetches for
// unknown kids start at most once per Options.RefetchCooldown (30 seconds by
// default; within it, an unknown kid gets ErrKeyNotFound when the last
// fetch succeeded and ErrUnavailable when it failed) and any number of
// concurrent misses share one HTTP request, so
// tokens with made-up kids cannot make this process hammer the issuer; a
// caller waits at most Options.Timeout and never past its context. The
// verification pipeline of package token asks for keys only after the
// cheap checks (size, compact form, header and crit, algorithm allow-list,
// the validator's typ check, issuer), so only a token that could have come
// from the issuer can cause a refetch (times are checked after the
// signature, so an expired one can; and a token whose claims are large and
// dense enough to cost more to read than a signature has its key looked up
// before its claims are read, and, on a validator with one issuer, whatever
// issuer it names; see token.Verifier.Verify); a token whose kid is found
// but whose signature fails never causes one, because its kid is found.
//
// A token without a kid never causes a refetch: Keys returns the whole
// current set, and if no key in it verifies the token, the token fails with
// nothing fetched. Keys new at the issuer reach such tokens only with the
// next background refresh (at most Options.MaxRefresh after the last one),
// so an issuer that rotates keys without kids should publish the new key
// ahead of its first use by at least that long.
//
// After a refetch, a key equal to one already held (token.Key.Equal) keeps
// its *token.Key: the validators' verified-token caches drop a token as soon
// as the key that verified it is no longer in the set, so a refresh that
// changes nothing must not look like a rotation.
//
// Keys that cannot verify signatures (use "enc", an unsupported kty or
// curve, RSA under 2048 bits, symmetric keys) are skipped by
// token.ParseKeySet, not fatal; Stats counts them and the Logger names them.
//
// # Hostile or broken endpoints
//
// Every fetch has a timeout (Options.Timeout, 10 seconds) and a body cap
// (Options.MaxBodySize, 1 MiB), enforced while reading, so a hanging or
// flooding server costs little. URLs must be https, except loopback
// addresses (for tests and local development) or with
// Options.AllowInsecureHTTP. A redirect is followed only within the same
// host and port and never from https to http; anything else fails the fetch with a cause matching
// ErrRedirect. Documents are parsed strictly (no duplicate member names, no
// invalid UTF-8, bounded nesting).
//
// # Issuers decided at run time
//
// NewIssuers makes a token.IssuerKeySource for a validator's
// Config.IssuerKeys: the tenants of a multi-tenant provider, by an issuer
// template such as Entra ID's "https://login.microsoftonline.com/{tenantid}/v2.0"
// with an allow-list of tenants (and the token's tid checked against the
// tenant in its iss), or the issuers a resolver function trusts. Whether an
// issuer is trusted is decided from the configuration alone, so a token
// naming a made-up issuer causes no request. Each trusted issuer's Remote is
// made on its first token, once for all the requests that arrive meanwhile,
// and kept in a set bounded by IssuersConfig.MaxSources, the least recently
// used closed to make room; Issuers.Close closes them all.
//
// # Lifetime
//
// A Remote runs one background goroutine, plus one per fetch in progress.
// Close, or cancelling the context given to New or FromIssuer, stops them
// and cancels a fetch in progress; Close returns when all have returned.
// Keys goes on answering from the last key set afterwards.
//
// # Observability
//
// Remote.Stats returns counters (fetches, failures, unknown-kid refetches),
// the time of the last success and failure, the last error and the key
// count, for a service to export. Options.Logger, when set, receives a line
// per failed fetch and per change of the key set.
package jwks
