// Package attackkit builds hostile JSON Web Tokens by hand, for the attack
// tables of the validator packages (RFC 8725's classes and the JWT CVE
// history): tokens tokentest.Issuer will not mint because no honest issuer
// would, such as HS256 keyed with an RSA public key, signatures swapped or
// re-encoded, base64url that is not canonical, keys and certificates an
// attacker puts in the header, and the JWS JSON serializations; and claim
// names spelled as a careless reader would miss them (SpellName).
//
// It is imported only by _test.go files (idtoken, accesstoken), never by the
// library itself. Its functions are pure: they take bytes and keys and
// return strings, and report the rare failure as an error.
package attackkit
