package accesstoken

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// DefaultDPoPMaxAge is how long after its iat a DPoP proof is accepted when
// DPoPConfig.MaxAge is zero.
const DefaultDPoPMaxAge = time.Minute

// MaxDPoPJTILength bounds a DPoP proof's jti, so that what a replay store
// keeps per proof stays small whatever the client sends (RFC 9449 §11.1).
const MaxDPoPJTILength = 256

// DPoPConfig configures how a Validator checks DPoP proofs (RFC 9449) in
// ValidateProof. Its zero value is the safe default.
type DPoPConfig struct {
	// Algorithms is the allow-list of JWS algorithms for proofs, sent to
	// clients in the algs parameter of DPoP challenges. Nil means
	// token.DefaultAlgorithms (every supported asymmetric algorithm).
	// Symmetric algorithms and "none" are refused (RFC 9449 §11.6).
	Algorithms []string
	// MaxAge is how long after its iat a proof is accepted, beyond the
	// validator's Leeway; a proof whose iat is more than Leeway in the future
	// is refused too. Zero means DefaultDPoPMaxAge (one minute). The replay
	// store remembers each proof for MaxAge plus Leeway plus a second.
	MaxAge time.Duration
	// ReplayStore remembers the jti of each accepted proof for as long as
	// the proof would be accepted, and refuses it a second time. Nil means a
	// token.MemoryReplayStore of token.DefaultReplayEntries made for this
	// validator: about 64 bytes per proof accepted in the last MaxAge plus
	// twice Leeway (three minutes by default), so at most about 6.4 MB; past
	// that bound proofs are refused with token.ErrUnavailable rather than
	// forgetting one, which caps the sustained rate of DPoP requests at
	// about the bound divided by that window (some 550 a second by
	// default). A fleet of servers shares one store, so that a proof
	// replayed against another replica is still seen.
	ReplayStore token.ReplayStore
	// Nonces, when set, makes every proof carry a nonce this server issued
	// (RFC 9449 §9): a proof without one, or with one no longer accepted, is
	// refused with token.ErrDPoPNonce, and the middleware answers
	// use_dpop_nonce with a fresh nonce in the DPoP-Nonce header. Nil means
	// no nonce is required. NewDPoPNonces makes one.
	Nonces DPoPNonceSource
}

// dpopChecker checks DPoP proofs for one Validator.
type dpopChecker struct {
	proofs *token.ProofVerifier
	maxAge time.Duration
	leeway time.Duration
	now    func() time.Time
	replay token.ReplayStore
	nonces DPoPNonceSource
	aths   athCache
}

func newDPoPChecker(cfg DPoPConfig, leeway time.Duration, now func() time.Time) (*dpopChecker, error) {
	maxAge, err := settings.Limit("accesstoken: Config.DPoP.MaxAge", cfg.MaxAge, DefaultDPoPMaxAge)
	if err != nil {
		return nil, err
	}
	proofs, err := token.NewProofVerifier(token.ProofVerifierConfig{
		Algorithms:  cfg.Algorithms,
		CheckHeader: checkProofHeader,
	})
	if err != nil {
		return nil, fmt.Errorf("accesstoken: Config.DPoP: %w", err)
	}
	d := &dpopChecker{proofs: proofs, maxAge: maxAge, leeway: leeway, now: now, replay: cfg.ReplayStore, nonces: cfg.Nonces}
	d.aths.seed = maphash.MakeSeed()
	if d.replay == nil {
		d.replay = &token.MemoryReplayStore{Now: now}
	}
	return d, nil
}

// checkProofHeader requires typ "dpop+jwt" (RFC 9449 §4.3 check 4, §11.5),
// compared as a media type: case-insensitively, "application/" optional.
func checkProofHeader(h *token.Header) error {
	if !token.MediaTypeIs(h.Type, "dpop+jwt") {
		return token.Errorf(token.ErrDPoPProof, "header.typ", "typ is %s; a DPoP proof is typed \"dpop+jwt\"", excerpt.Quote(h.Type))
	}
	return nil
}

// DPoPAlgorithms returns the JWS algorithms accepted for DPoP proofs,
// space-separated, as the algs parameter of a DPoP challenge lists them
// (RFC 9449 §7.1).
func (v *Validator) DPoPAlgorithms() string {
	if v == nil || v.dpop == nil {
		return ""
	}
	return v.dpop.proofs.Algorithms()
}

// DPoPNonce returns the nonce clients must put in their DPoP proofs now, for
// the DPoP-Nonce response header, or "" when Config.DPoP.Nonces is not set.
// An error matches token.ErrUnavailable.
func (v *Validator) DPoPNonce(ctx context.Context) (string, error) {
	if v == nil || v.dpop == nil || v.dpop.nonces == nil {
		return "", nil
	}
	n, err := v.dpop.nonces.Nonce(ctx)
	if err != nil {
		return "", unavailableStore("nonce source", err)
	}
	return n, nil
}

// ValidateProof validates raw, the access token as presented, together with
// the proof of possession the request carried. A token bound to a DPoP key
// (cnf.jkt) is accepted only with p.DPoP holding a valid proof for this
// request and this token, signed by that key; a token bound to a certificate
// (cnf.x5t#S256) only when p.Certificate is that certificate. A token bound
// to nothing is accepted as a bearer token, and refused with
// token.ErrBinding if it came with a DPoP proof. See the package
// documentation for each rule's sentinel.
func (v *Validator) ValidateProof(ctx context.Context, raw string, p Proof) (*Token, error) {
	return v.validate(ctx, raw, &p)
}

// check applies RFC 9449 §4.3 and §7.1 to p.DPoP for t, which is bound to
// t.Confirmation.JKT and was presented as raw. The checks that need no
// signature come first; the replay store is consulted last, once the proof
// is otherwise good, so only holders of the key can add entries.
func (d *dpopChecker) check(ctx context.Context, t *Token, raw string, p *Proof) error {
	if d == nil {
		return token.Errorf(token.ErrUnavailable, "", "the access token validator is not configured; build it with accesstoken.NewValidator")
	}
	now := d.now()
	var jti string
	ver, err := d.proofs.Verify(p.DPoP, func(ver *token.Verified) error {
		var err error
		jti, err = d.checkClaims(ctx, &ver.Claims, raw, p, now)
		return err
	})
	if err != nil {
		return proofError(err)
	}
	jkt, err := ver.Key.Thumbprint()
	if err != nil {
		return token.Errorf(token.ErrDPoPProof, "dpop.header.jwk", "the thumbprint of the proof's key cannot be computed")
	}
	if subtle.ConstantTimeCompare([]byte(jkt), []byte(t.Confirmation.JKT)) != 1 {
		return token.Errorf(token.ErrBinding, "cnf.jkt", "the DPoP proof is signed by another key than the one the token is bound to")
	}
	if d.nonces != nil {
		cur, err := d.nonces.Nonce(ctx)
		if err != nil {
			return unavailableStore("nonce source", err)
		}
		if n, _, _ := ver.Claims.GetString("nonce"); n != cur {
			t.NextDPoPNonce = cur
		}
	}
	// Keyed by the proof's key as well, so that a party that learns another
	// client's jti cannot spend it first.
	expires := ver.Claims.IssuedAt.Add(d.maxAge + d.leeway + time.Second)
	if err := d.replay.Use(ctx, "dpop:"+jkt+":"+jti, expires); err != nil {
		switch {
		case errors.Is(err, token.ErrReplay):
			return token.Errorf(token.ErrReplay, "dpop.jti", "this DPoP proof was already used; each request needs a new proof with a new jti")
		default:
			return unavailableStore("replay store", err)
		}
	}
	return nil
}

// checkClaims checks the proof's claims against the request and the token
// (RFC 9449 §4.2, §4.3 checks 3 and 8 to 12) and returns its jti.
func (d *dpopChecker) checkClaims(ctx context.Context, c *token.Claims, raw string, p *Proof, now time.Time) (string, error) {
	str := func(name string) (string, error) {
		s, ok, err := c.GetString(name)
		if err != nil {
			return "", err
		}
		if !ok || s == "" {
			return "", token.Errorf(token.ErrDPoPProof, name, "the proof has no %s; RFC 9449 §4.2 requires it", name)
		}
		return s, nil
	}
	jti, err := str("jti")
	if err != nil {
		return "", err
	}
	if len(jti) > MaxDPoPJTILength {
		return "", token.Errorf(token.ErrDPoPProof, "jti", "jti is %d bytes; at most %d are accepted", len(jti), MaxDPoPJTILength)
	}
	htm, err := str("htm")
	if err != nil {
		return "", err
	}
	if htm != p.Method {
		return "", token.Errorf(token.ErrDPoPProof, "htm", "htm is %s; the request's method is %s", excerpt.Quote(htm), excerpt.Quote(p.Method))
	}
	htu, err := str("htu")
	if err != nil {
		return "", err
	}
	got, err := normalizeHTTPURI(htu, false)
	if err != nil {
		return "", token.Errorf(token.ErrDPoPProof, "htu", "htu %s is not usable: %v", excerpt.Quote(htu), err)
	}
	want, err := normalizeHTTPURI(p.URI, true)
	if err != nil {
		return "", token.Errorf(token.ErrUnavailable, "", "the request's URI %s is not usable to check htu: %v", excerpt.Quote(p.URI), err)
	}
	if got != want {
		return "", token.Errorf(token.ErrDPoPProof, "htu", "htu is %s; the request's URI is %s", excerpt.Quote(got), excerpt.Quote(want))
	}
	if c.IssuedAt.IsZero() {
		return "", token.Errorf(token.ErrDPoPProof, "iat", "the proof has no iat; RFC 9449 §4.2 requires it")
	}
	if now.Add(d.leeway).Before(c.IssuedAt) {
		return "", token.Errorf(token.ErrDPoPProof, "iat", "the proof says it was made at %s, %s from now (leeway %s)",
			c.IssuedAt.Format(time.RFC3339), c.IssuedAt.Sub(now).Round(time.Second), d.leeway)
	}
	if c.IssuedAt.Add(d.maxAge + d.leeway).Before(now) {
		return "", token.Errorf(token.ErrDPoPProof, "iat", "the proof was made at %s, %s ago; proofs are accepted for %s (leeway %s)",
			c.IssuedAt.Format(time.RFC3339), now.Sub(c.IssuedAt).Round(time.Second), d.maxAge, d.leeway)
	}
	ath, err := str("ath")
	if err != nil {
		return "", err
	}
	want64 := d.aths.of(raw)
	if subtle.ConstantTimeCompare([]byte(ath), want64[:]) != 1 {
		return "", token.Errorf(token.ErrDPoPProof, "ath", "ath is not the hash of the access token presented with the proof")
	}
	if d.nonces != nil {
		raw, present := c.RawJSON("nonce")
		nonce, ok := strictjson.String(raw)
		switch {
		case !present:
			return "", token.Errorf(token.ErrDPoPNonce, "nonce", "this server requires a nonce it provided in DPoP proofs; use the one in the DPoP-Nonce header")
		case !ok || nonce == "":
			return "", token.Errorf(token.ErrDPoPProof, "nonce", "nonce must be a non-empty string")
		}
		if err := d.nonces.Check(ctx, nonce); err != nil {
			if errors.Is(err, token.ErrDPoPNonce) {
				return "", token.Errorf(token.ErrDPoPNonce, "nonce", "the proof's nonce is not one this server accepts now; use the one in the DPoP-Nonce header")
			}
			return "", unavailableStore("nonce source", err)
		}
	}
	return jti, nil
}

// accessTokenHash returns what a proof's ath must be for the access token
// raw (RFC 9449 §4.2): the base64url SHA-256 of its ASCII. The token is
// hashed through a buffer on the stack, not converted to a byte slice,
// which would copy it to the heap on every proof.
func accessTokenHash(raw string) [thumbprintLength]byte {
	h := sha256.New()
	var buf [512]byte
	for rest := raw; rest != ""; {
		n := copy(buf[:], rest)
		h.Write(buf[:n])
		rest = rest[n:]
	}
	var sum [sha256.Size]byte
	var out [thumbprintLength]byte
	base64.RawURLEncoding.Encode(out[:], h.Sum(sum[:0]))
	return out
}

// athCacheSize is how many access tokens' hashes a validator remembers for
// the ath of DPoP proofs. It is a power of two.
const athCacheSize = 256

// athCache remembers the ath of recent access tokens. A client presents the
// same access token with every proof until it expires, and hashing the
// token is the largest part of checking a proof's claims: looking it up
// costs a seeded hash and a comparison of the token instead. Each slot holds
// an immutable entry, read and replaced atomically, so concurrent requests
// share the cache without a lock; a token is found only in the one slot its
// hash picks, and only if the whole token is equal.
type athCache struct {
	seed  maphash.Seed
	slots [athCacheSize]atomic.Pointer[athEntry]
}

// athEntry is a remembered access token (its own copy) and its ath.
type athEntry struct {
	token string
	ath   [thumbprintLength]byte
}

// of returns accessTokenHash(raw), remembered or computed and remembered.
func (c *athCache) of(raw string) [thumbprintLength]byte {
	slot := &c.slots[maphash.String(c.seed, raw)&(athCacheSize-1)]
	if e := slot.Load(); e != nil && e.token == raw {
		return e.ath
	}
	ath := accessTokenHash(raw)
	slot.Store(&athEntry{token: strings.Clone(raw), ath: ath})
	return ath
}

// proofError turns a failure of the proof's JWS or claims into one that
// matches token.ErrDPoPProof alone (its claim prefixed "dpop."), leaving
// token.ErrDPoPNonce and token.ErrUnavailable as they are.
func proofError(err error) error {
	var ve *token.ValidationError
	if !errors.As(err, &ve) {
		return &token.ValidationError{Kind: token.ErrDPoPProof, Claim: "dpop", Reason: "the DPoP proof was refused", Err: err}
	}
	switch ve.Kind {
	case token.ErrDPoPNonce, token.ErrUnavailable:
		return err
	}
	reason := ve.Reason
	if ve.Kind != token.ErrDPoPProof && ve.Kind != nil {
		reason = ve.Kind.Error() + ": " + reason
	}
	claim := "dpop"
	if ve.Claim != "" {
		claim += "." + ve.Claim
	}
	return &token.ValidationError{Kind: token.ErrDPoPProof, Claim: claim, Reason: reason}
}

// unavailableStore reports the failure of a replay store or nonce source as
// an outage: it says nothing about the proof.
func unavailableStore(what string, err error) error {
	var ve *token.ValidationError
	if errors.As(err, &ve) {
		if ve.Kind == token.ErrUnavailable {
			return err
		}
		return token.Errorf(token.ErrUnavailable, "", "the DPoP %s failed: %s", what, ve.Error())
	}
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: "the DPoP " + what + " failed", Err: err}
}
