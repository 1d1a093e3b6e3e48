package token

import "bytes"

// Reading a claims set strictly costs time in proportion to its size and
// to its members, escapes and brackets, which whoever made the token
// chose: a crafted claims set of 16 KB can cost several signature checks
// to read, while its signature costs one. So the pipeline reads a claims
// set that looks costly only after its signature has verified (only the
// issuer can make one that does), and refuses an attacker's for its
// signature: at most one signature check, and the hashing of the token,
// which any verifier pays.
//
// This needs the key source before the claims are read, so it applies to a
// Verifier with one issuer; one with several reads the claims first, as for
// every other token, to learn which issuer's keys to use. A costly token is
// refused for its key or signature rather than for an issuer, expiry or
// audience that would have refused it before the signature, and its kid is
// looked up whatever issuer it names: an unknown one may make a remote key
// source refetch, at most once per cooldown as for any token. (Looking for
// the issuer in the raw bytes first would not do: JSON lets a token spell
// it in many ways, and a token that dodged the search would be read first.)
// When the key source cannot answer, the claims are read first after all,
// so that an outage does not turn a refusal for the claims into
// ErrUnavailable.

// costlyClaimsSize is the size of decoded claims above which the pipeline
// estimates their cost: a smaller claims set cannot hold enough members to
// cost more than a fraction of a signature check.
const costlyClaimsSize = 2048

// costlyClaimsLarge is the size of decoded claims above which they are
// costly whatever they hold: reading them takes about a nanosecond a byte,
// a third of an RS256 check and more at the size limit, even when they are
// a few long names or numbers.
const costlyClaimsLarge = 8192

// costlyClaimsWork is the estimate above which a claims set is costly, in
// members, escapes and brackets: ordinary large tokens (a hundred claims,
// namespaced ones included) stay well under it.
const costlyClaimsWork = 384

// costlyClaims estimates the work of reading the decoded claims payload
// from its size and from its colons (a member each, or part of a string such as a URL), its
// backslashes (an escape each) and its opening brackets (an object or
// array each). bytes.Count makes the estimate cost a small fraction of
// reading the claims.
func costlyClaims(payload []byte) bool {
	if len(payload) <= costlyClaimsSize {
		return false
	}
	if len(payload) > costlyClaimsLarge {
		return true
	}
	work := bytes.Count(payload, []byte{':'})
	if work > costlyClaimsWork {
		return true
	}
	work += bytes.Count(payload, []byte{'\\'})
	if work > costlyClaimsWork {
		return true
	}
	work += bytes.Count(payload, []byte{'{'}) + bytes.Count(payload, []byte{'['})
	return work > costlyClaimsWork
}
