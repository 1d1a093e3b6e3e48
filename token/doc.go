// Package token holds what ID tokens and access tokens share: the registered
// claims, the error vocabulary, keys and key sources, and the JWS verification
// pipeline that both validators run before their own rules.
//
// Most programs use package idtoken or package accesstoken and meet this
// package only through its errors:
//
//	if errors.Is(err, token.ErrExpired) { ... }
//	var verr *token.ValidationError
//	if errors.As(err, &verr) { log.Print(verr.Claim, verr.Reason) }
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
package token
