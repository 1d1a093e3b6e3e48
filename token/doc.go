// Package token holds what ID tokens and access tokens share: the registered
// claims, the error vocabulary, keys and key sources, and the JWS verification
// pipeline that both validators run before their own rules.
//
// Most programs use package idtoken or package accesstoken and meet this
// package only through its errors:
//
//	if errors.Is(err, token.ErrExpired) {
//		log.Print("the token has expired")
//	}
//	var verr *token.ValidationError
//	if errors.As(err, &verr) {
//		log.Print(verr.Claim, verr.Reason)
//	}
//
// A ValidationError is worded twice: Description for the client that
// presented the token (it speaks of that token only), Error for the
// server's log (it adds Detail and the cause: configured values,
// endpoints, network errors).
//
// The pipeline (Verifier) is deliberately strict. A token is accepted only in
// the JWS compact serialization, split by this package into exactly three
// segments of canonical unpadded base64url; the header and claims must be
// strict JSON (member names compared exactly, duplicates and case-folded
// duplicates refused, wrong types refused, nesting bounded); the algorithm must
// be on an allow-list that never includes "none" and includes HMAC only when
// the caller configures a symmetric key; the key is chosen by "kid" from a
// KeySource and must fit the algorithm; keys carried in the token's own header
// (jwk, jku, x5u, x5c) are never used; unknown "crit" parameters are refused;
// and exp is required, with nbf and iat honoured within a leeway.
//
// # The raw token is not an identity
//
// The same token can be presented as more than one string that verifies.
// ECDSA signatures are malleable: when (r, s) is a valid ES256, ES384 or
// ES512 signature, so is (r, n−s), n being the curve's order, and the
// pipeline (like the JOSE specifications, which fix the encoding but not
// the sign of s) accepts both. Anyone who holds one ES256 token can
// therefore make a second, different string that is an equally valid token
// with the same claims, without any key. A deny list of revoked tokens, a
// replay list of used ones, or a rate limit keyed on the raw string (or a
// hash of it) is evaded that way. Key such lists on what the issuer signed
// instead: the jti claim (with iss), which every access token typed
// "at+jwt" must carry, or, for a token without one, the claims that
// identify it (iss, sub, iat). RSA and EdDSA signatures, as verified here,
// cannot be turned into another valid one without the private key, but a
// list that is right for some algorithms only is a trap when the issuer
// changes keys.
//
// # Configuration values
//
// Every Config and Options struct in tokenguard (VerifierConfig here,
// idtoken.Config, accesstoken.Config, jwks.Options, introspect.Config,
// introspect.CacheOptions, middleware.Options) and MemoryReplayStore follow
// one rule, so that no field needs guessing:
//
//   - Zero means the documented default, which is the safe choice. A nil
//     function or interface means its documented default too (Now nil means
//     time.Now).
//   - A negative number means "none" for a field whose documentation says it
//     can be turned off: Leeway (no leeway), CacheSize (no cache),
//     introspect.CacheOptions.NegativeTTL (inactive answers not kept),
//     middleware.Options.RetryAfter (no Retry-After header).
//   - For every other field, a negative number is a configuration error: a
//     bound (a size, a timeout, an interval, an entry limit) cannot be
//     switched off. A constructor that returns an error returns one naming
//     the field; a value built without one (introspect.NewCache,
//     middleware.New, MemoryReplayStore) fails closed, with an error matching
//     ErrUnavailable on every call, as it does when it has nothing to work
//     with.
//
// Each validator resolves these values once, when it is built; the defaults
// are exported beside the fields that use them (DefaultLeeway,
// DefaultMaxTokenSize, idtoken.DefaultCacheSize, accesstoken.DefaultCacheSize,
// and so on).
package token
