package token

import (
	"bytes"
	"context"
	"errors"

	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// Reading a claims set strictly costs time in proportion to its size and
// to its members, escapes and brackets, which whoever made the token
// chose: a crafted claims set of 16 KB can cost several signature checks
// to read, while its signature costs one. So the pipeline reads a claims
// set that looks costly only after its signature has verified (only the
// issuer can make one that does), and refuses an attacker's for its
// signature: at most one signature check, and the hashing of the token,
// which any verifier pays.
//
// This needs the issuer's key source before the claims are read. A
// Verifier with one issuer has it. One with several finds the issuer the
// token names with strictjson.Locate, which steps over the claims by their
// structure alone, hashing no name and decoding no other value, for a
// fraction of the parse. It reads the claims before the signature only for
// an issuer that just the run-time source (IssuerKeys) can vouch for, when
// that source cannot choose keys by the issuer's name (IssuerNameKeySource),
// since it is handed the parsed claims.
//
// What changes for a costly token is the order of the refusals. It is
// refused for its key or signature rather than for an expiry or audience
// that would have refused it before the signature. With several issuers,
// one that names an issuer outside the static set (and no source to ask),
// none, or not as a string is refused for that at once, as is one whose
// structure breaks before its iss; other faults of its JSON (a duplicate
// name, invalid UTF-8, nesting too deep) are found only when the claims are
// read, after the signature. Locate reads every claims set the parser
// accepts as the parser does, so these orders never change whether a token
// is accepted, and never let one issuer's keys vouch for another's token.
// With one issuer, its kid is looked up whatever issuer it names: an
// unknown one may make a remote key source refetch, at most once per
// cooldown as for any token. When the key source cannot answer, the claims
// are read first after all, so that an outage does not turn a refusal for
// the claims into ErrUnavailable.

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

// earlyKeys returns the key source to check the signature of a token with
// costly claims before they are read, and the issuer it is for: the only
// issuer's (with a nil issuer: the route refuses every other), or the
// static route of the issuer payload names, its name appended to buf. It
// returns nil keys when the claims must be read first, for the run-time
// issuer source. A token that no issuer could accept is refused at once.
func (v *Verifier) earlyKeys(ctx context.Context, payload, buf []byte) (KeySource, []byte, error) {
	switch {
	case v.onlyKeys != nil:
		return v.onlyKeys, nil, nil
	case len(v.routes) == 0 && v.byName == nil:
		// Only a source that is handed the claims: they are read first
		// whatever the issuer, so finding it would be work for nothing.
		return nil, nil, nil
	}
	value, found, ok := strictjson.Locate(payload, "iss")
	switch {
	case !ok:
		return nil, nil, brokenClaims("its top-level object does not hold together")
	case !found:
		return nil, nil, v.noIssuer()
	}
	iss, ok := strictjson.AppendString(buf, value)
	if !ok {
		// Only a number or a literal is checked further: an array or an
		// object may be as costly to check as the claims it is part of.
		switch value[0] {
		case '"':
			return nil, nil, brokenClaims("the value of iss is not a valid JSON string")
		case '[', '{':
		default:
			if strictjson.Valid(value, MaxClaimsDepth) != nil {
				return nil, nil, brokenClaims("the value of iss is not valid JSON")
			}
		}
		return nil, nil, Errorf(ErrInvalidClaim, "iss", "must be a string; found %s", strictjson.Kind(value))
	}
	if keys, trusted := v.routes[string(iss)]; trusted {
		return keys, iss, nil
	}
	switch {
	case v.byName != nil:
		keys, err := v.byName.KeysForIssuer(ctx, string(iss))
		switch {
		case err == nil:
			return keys, iss, nil // nil keys: read the claims first
		case errors.Is(err, ErrIssuer):
			return nil, nil, issuerSourceFailed(err, string(iss))
		}
		// The issuer's keys cannot be had now: the claims are read first,
		// so that a token they refuse gets the same answer as when the
		// keys are there.
		return nil, nil, nil
	case v.dynamic != nil:
		return nil, nil, nil
	}
	return nil, nil, v.untrustedIssuer(string(iss))
}

// byName returns src as an IssuerNameKeySource, when it is one.
func byName(src IssuerKeySource) IssuerNameKeySource {
	named, _ := src.(IssuerNameKeySource)
	return named
}

// brokenClaims is the refusal of claims whose structure, read while looking
// for the issuer, is broken; why says where.
func brokenClaims(why string) error {
	ve := malformedClaims(nil)
	ve.Detail = why
	return ve
}
