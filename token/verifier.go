package token

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// DefaultLeeway is the clock skew allowed on exp, nbf and iat when a
// configuration leaves Leeway at zero: one minute.
const DefaultLeeway = settings.DefaultLeeway

// VerifierConfig configures the verification pipeline shared by the ID token
// and access token validators. At least one issuer is required: Issuer with
// Keys, an entry of Issuers, or IssuerKeys; every other field follows the
// package's rule for configuration values (zero is the safe default).
type VerifierConfig struct {
	// Issuer is compared exactly (no trailing-slash or case folding) with the
	// token's iss.
	Issuer string
	// Keys supplies the issuer's verification keys.
	Keys KeySource
	// Issuers maps further trusted issuers, each compared exactly with
	// iss, to their own key sources. A token is verified only with the
	// keys of the issuer it names, also when two issuers publish the same
	// kid. Issuer and Keys, when set, are one more entry.
	Issuers map[string]KeySource
	// IssuerKeys routes a token whose iss is neither Issuer nor a key of
	// Issuers, for issuers decided at run time (see IssuerKeySource). Nil
	// means such a token is refused with ErrIssuer.
	IssuerKeys IssuerKeySource
	// Algorithms is the allow-list of JWS algorithms. Nil means
	// DefaultAlgorithms (every supported asymmetric algorithm). HS256, HS384
	// and HS512 may be listed only to verify with symmetric keys the caller
	// configured; "none" is refused.
	Algorithms []string
	// Critical lists the header extensions named in "crit" that the caller
	// handles itself. Any other crit value is refused with ErrCritical.
	Critical []string
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means
	// DefaultLeeway; a negative value means none.
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// MaxTokenSize bounds the raw token's length in bytes, checked before any
	// decoding. Zero means DefaultMaxTokenSize; a negative value is an error.
	MaxTokenSize int
	// RequireIssuedAt makes iat a required claim.
	RequireIssuedAt bool
	// ExpiryOptional accepts a token without exp, for signed documents that
	// need not expire, such as a signed UserInfo answer (OpenID Connect
	// Core §5.3.2). An exp that is present is still checked.
	ExpiryOptional bool
	// CheckHeader, when set, runs on the parsed header before any key is
	// looked up, so a token of the wrong type costs no key fetch. A validator
	// uses it to check typ. It must not change the Header, nor keep it, or
	// a slice of it (Critical), after it returns: the Verifier reuses the
	// memory of a token it refuses. Strings read from it may be kept.
	CheckHeader func(*Header) error
	// CheckClaims, when set, runs on the parsed header and claims after the
	// issuer and the times were checked and before any key is looked up or
	// any signature checked, so a token the validator would refuse anyway
	// (one for another audience, say) costs a fraction of a verification.
	// Nothing has vouched for the claims yet: an error it returns must not
	// quote them, since it may reach the client who crafted them. (One
	// exception, see Verifier.Verify: a large claims set that would cost
	// more to read than a signature is read, and checked, after the
	// signature.) Like CheckHeader, it must not change the Header or the
	// Claims, nor keep them, or a slice of them (Audience), after it
	// returns; strings read from them may be kept. What the Verifier
	// remembers of accepted tokens (their headers, their long aud arrays)
	// is taken before either hook runs, so a hook that changes them anyway
	// changes only its own token's result.
	CheckClaims func(*Header, *Claims) error
}

// Verifier runs the JWS pipeline: size, form, header, algorithm, issuer, key
// selection, signature and times. It is safe for concurrent use.
type Verifier struct {
	issuer      string               // Issuer, for messages and Verifier.Issuer
	routes      map[string]KeySource // every static issuer, Issuer included
	dynamic     IssuerKeySource      // nil when every issuer is static
	byName      IssuerNameKeySource  // dynamic, when it can choose keys by the issuer's name
	onlyKeys    KeySource            // Keys, when Issuer is the only issuer
	expected    string               // the trusted issuers, for messages
	allowed     []algorithm
	critical    []string
	leeway      time.Duration
	now         func() time.Time
	maxSize     int
	requireIAT  bool
	expOptional bool
	timeWords   timeRefusals
	headers     headerMemos
	auds        audMemos
	buffers     decodeBuffers
	results     resultPools
	checkHeader func(*Header) error
	checkClaims func(*Header, *Claims) error
}

// Verified is a token that passed the pipeline: its signature is good, the
// issuer is a trusted one and its times are valid now.
type Verified struct {
	Raw    string
	Header Header
	Claims Claims
	// Key is the key that verified the signature.
	Key *Key
	// Keys is the key source of the token's issuer, which gave Key. A cache
	// of verified tokens asks it whether Key is still published.
	Keys KeySource
}

// Result is a Verified token together with a value of the caller's type T,
// in one allocation: a validator reads the verified claims into its own
// type without a second allocation for it. A Result that VerifyFor returns
// is the caller's alone: it is never handed out twice. (The Verifier reuses
// the Result of a token it refused, which only the hooks of VerifierConfig
// and the IssuerKeySource saw, during their calls.)
//
// The Claims of a Result keep their members and audiences in storage that
// is part of the Result, sized for a typical token, so that reading them
// costs no allocation of their own; a Header's members are there too, or
// in the Verifier's memo of the header, which never changes. A slice read
// from them (Audience) keeps the whole Result alive; strings are
// substrings of the decoded header or claims, which are strings of their
// own. A cache that keeps a result for long copies what it needs.
type Result[T any] struct {
	Verified Verified
	Value    T

	storage resultStorage
}

// resultStorage is where the pipeline puts a typical token's members and
// audiences, inside the Result.
type resultStorage struct {
	headerMembers [8]strictjson.Span
	claimMembers  [24]strictjson.Span
	audience      [4]string
}

// NewVerifier checks cfg and returns a Verifier. It returns an error when no
// issuer is configured, Issuer and Keys are not set together, an issuer is
// empty, holds a placeholder or has no key source, MaxTokenSize is negative, or Algorithms is empty
// but not nil or names an algorithm that is not supported.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	routes, err := issuerRoutes(cfg)
	if err != nil {
		return nil, err
	}
	set, err := settings.ResolveValidation("token: VerifierConfig", cfg.Leeway, cfg.Now, cfg.MaxTokenSize)
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		issuer:      cfg.Issuer,
		routes:      routes,
		dynamic:     cfg.IssuerKeys,
		byName:      byName(cfg.IssuerKeys),
		onlyKeys:    onlyKeys(cfg, routes),
		expected:    expectedIssuers(cfg.Issuer, routes, cfg.IssuerKeys != nil),
		critical:    slices.Clone(cfg.Critical),
		leeway:      set.Leeway,
		now:         set.Now,
		maxSize:     set.MaxTokenSize,
		requireIAT:  cfg.RequireIssuedAt,
		expOptional: cfg.ExpiryOptional,
		timeWords:   newTimeRefusals(set.Leeway),
		headers:     newHeaderMemos(),
		checkHeader: cfg.CheckHeader,
		checkClaims: cfg.CheckClaims,
	}
	algs := cfg.Algorithms
	if algs == nil {
		algs = DefaultAlgorithms()
	}
	if len(algs) == 0 {
		return nil, errors.New("token: VerifierConfig.Algorithms is empty; leave it nil for the default")
	}
	for _, name := range algs {
		a, ok := lookupAlgorithm(name)
		if !ok {
			return nil, fmt.Errorf("token: algorithm %q is not supported", name)
		}
		v.allowed = append(v.allowed, a)
	}
	return v, nil
}

// Now returns the verifier's current time, from the configured clock
// (time.Now for a Verifier not made by NewVerifier).
func (v *Verifier) Now() time.Time {
	if v == nil || v.now == nil {
		return time.Now()
	}
	return v.now()
}

// Leeway returns the clock skew the verifier allows.
func (v *Verifier) Leeway() time.Duration {
	if v == nil {
		return 0
	}
	return v.leeway
}

// Issuer returns VerifierConfig.Issuer ("" when only Issuers or IssuerKeys
// were configured, or on a nil Verifier).
func (v *Verifier) Issuer() string {
	if v == nil {
		return ""
	}
	return v.issuer
}

// LooksLikeJWS reports whether raw has the form of a compact JWS (three
// base64url segments separated by dots, the header and payload not empty)
// without decoding it, for a program that routes tokens itself. It agrees with the
// pipeline's own splitting but builds no error, so a routing decision costs
// a scan of the token and nothing else.
//
// The access token validator routes by a broader rule of its own (see
// package accesstoken): anything meant as a JOSE object, well-formed or not,
// is validated locally and never sent to introspection.
func LooksLikeJWS(raw string) bool {
	dots, first, second := 0, -1, -1
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '.' {
			dots++
			if dots == 1 {
				first = i
			} else {
				second = i
			}
			continue
		}
		if !isB64URL(c) {
			return false
		}
	}
	return dots == 2 && first > 0 && second > first+1
}

// Verify runs the pipeline on raw. Every error is a *ValidationError. A nil
// or zero Verifier refuses every token with ErrUnavailable: the fault is the
// program's, not the token's.
//
// The order is chosen so that hostile input and honest refusals cost
// little: the size bound comes before any decoding, the form before any
// JSON, the header and the algorithm before the claims, and the issuer, the
// times and the CheckClaims hook before any key is looked up (a token for
// another issuer never makes a remote key source refetch, and an expired one
// costs no signature check). Refusals made before the signature is checked
// say what rule failed without quoting the token's values, which nothing
// has vouched for yet.
//
// One exception bounds what a crafted token can cost. The Verifier looks
// up the key and checks the signature of a large claims set (over 8 KB
// decoded, or over 2 KB with some 400 members, escapes or brackets) before
// reading it, with the keys of the issuer it names: such a token from an
// attacker then costs one signature check to refuse, not several. It is
// refused for its key or signature (ErrKeyNotFound, ErrKeyMismatch,
// ErrSignature) whatever else is wrong with it.
//
// With one issuer, its kid is looked up whatever issuer it names, so an
// unknown kid may make a remote key source refetch (at most once per
// cooldown, as for any token). With several, the iss member is found by
// the claims' structure alone. A token whose iss is missing, not a string
// or not one of Issuers is refused at once (ErrMissingClaim,
// ErrInvalidClaim, ErrIssuer), unless IssuerKeys may trust it; faults of
// its JSON that do not hide its iss (a duplicate name, invalid UTF-8) are
// found after that refusal or the signature. The keys of an issuer only
// IssuerKeys knows come from IssuerKeys by the issuer's name when it is an
// IssuerNameKeySource (as jwks.Issuers is), which also refuses the names it
// does not trust at once; another IssuerKeys is handed the claims, so they
// are read first. When the key source cannot answer, the claims are read
// first after all, as for any token.
//
// All three segments are decoded before anything in them is interpreted.
// On success it costs two allocations of its own: the Result that holds the
// Verified, and one string holding the decoded claims, which every claim's
// string field shares. The segments are decoded into buffers on the stack,
// or, for a large token, into one the Verifier lends and takes back.
// A Verifier remembers the last few headers of tokens it accepted: a token
// whose header segment is one of them (the tokens of one issuer and key all
// carry the same header) takes the parsed Header, read only, without
// decoding or parsing it again; any other header costs a string of its own,
// and a memo when its token is accepted.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Verified, error) {
	r, err := VerifyFor[struct{}](ctx, v, raw)
	if err != nil {
		return nil, err
	}
	return &r.Verified, nil
}

// VerifyFor runs v's pipeline on raw, as Verify does, and returns a new
// Result whose Verified is filled and whose Value is T's zero value, for the
// caller to fill from the verified claims: a validator's result and the
// token it reads from cost one allocation, not two.
func VerifyFor[T any](ctx context.Context, v *Verifier, raw string) (*Result[T], error) {
	var r *Result[T]
	err := v.verify(ctx, raw, func() (*Verified, *resultStorage) {
		r = newResult[T](&v.results)
		return &r.Verified, &r.storage
	})
	if err != nil {
		if r != nil {
			recycle(&v.results, r)
		}
		return nil, err
	}
	return r, nil
}

// verify is Verify and VerifyFor. alloc makes the Result, called only once
// the token has passed the checks of its form, so that garbage costs no
// allocation of that size.
func (v *Verifier) verify(ctx context.Context, raw string, alloc func() (*Verified, *resultStorage)) error {
	if v == nil || (v.routes == nil && v.dynamic == nil) {
		return Errorf(ErrUnavailable, "", "the Verifier was not made by NewVerifier")
	}
	if len(raw) > v.maxSize {
		return Errorf(ErrTooLarge, "", "the token is %d bytes; at most %d are accepted", len(raw), v.maxSize)
	}
	seg, verr := splitCompact(raw)
	if verr != nil {
		return verr
	}
	// The header and claims are decoded into a buffer, read there, and
	// kept as string copies that the string fields share: the decoded
	// bytes themselves are garbage as soon as the token is read. A header
	// segment the Verifier has parsed before is neither decoded nor parsed
	// again (see headerMemos). The buffer is on the stack, or, for a token
	// whose parts do not fit there, one the Verifier lends (see
	// decodeBuffers).
	memo := v.headers.load(seg.header)
	need := b64DecodedLen(len(seg.payload))
	if memo == nil {
		need += b64DecodedLen(len(seg.header))
	}
	// The rest of the buffer holds a copy of the signing input to hash
	// (see digest), with room for what Ed25519 hashes before it.
	if need += len(seg.signingInput) + 64; need > decodeScratchSize {
		buf := v.buffers.get(need)
		err := v.verifySegments(ctx, raw, seg, memo, *buf, alloc)
		v.buffers.put(buf)
		return err
	}
	var scratch [decodeScratchSize]byte
	return v.verifySegments(ctx, raw, seg, memo, scratch[:], alloc)
}

// verifySegments is verify once the token is split into seg: it decodes
// the header (unless memo holds it) and the claims into buf, reads them
// there, and lends the rest of buf to the signature check. buf holds at
// least the decoded header and claims.
func (v *Verifier) verifySegments(ctx context.Context, raw string, seg segments, memo *headerMemo, buf []byte, alloc func() (*Verified, *resultStorage)) error {
	var (
		hdr, payload []byte
		verr         *ValidationError
	)
	if memo != nil {
		payload, verr = decodePayload(seg, buf)
	} else {
		hdr, payload, verr = decodeParts(seg, buf)
	}
	if verr != nil {
		return verr
	}
	hashScratch := buf[len(hdr)+len(payload):]
	// No key verifies a signature longer than an RSA-8192 one, so a buffer
	// on the stack always holds a signature that could be good.
	var sigBuf [MaxRSABits / 8]byte
	sig, verr := decodeSignature(seg, sigBuf[:])
	if verr != nil {
		return verr
	}
	out, st := alloc()
	out.Raw = raw
	// parsed is the header as read, kept apart from the hooks, which get
	// out.Header, for the memo to remember once the token is accepted.
	var parsed Header
	if memo != nil {
		out.Header = memo.header
	} else if verr := parseHeader(&out.Header, hdr, string(hdr), v.critical, st.headerMembers[:0]); verr != nil {
		return verr
	} else {
		parsed = out.Header
	}
	alg, ok := v.allowedAlgorithm(out.Header.Algorithm)
	if !ok {
		return Errorf(ErrUnsupportedAlgorithm, "header.alg", "the token is signed with an algorithm this validator does not accept").
			WithDetail("alg is %q; allowed: %s", excerpt.Of(out.Header.Algorithm), v.allowedNames())
	}
	if seg.signature == "" {
		return Errorf(ErrSignature, "", "the token has an empty signature")
	}
	if v.checkHeader != nil {
		if err := v.checkHeader(&out.Header); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return err
			}
			return &ValidationError{Kind: ErrTokenType, Claim: "header", Reason: "the header check refused the token", Err: err}
		}
	}
	// Claims that would cost more to read than a signature check are read
	// after it (see costlyClaims), with the keys of the issuer the token
	// names.
	var (
		key   *Key
		err   error
		early bool
		// earlyIss is the issuer whose keys checked the signature before
		// the claims were read; nil with one issuer, whose route refuses
		// every other.
		earlyIss []byte
		issBuf   [128]byte
	)
	if costlyClaims(payload) {
		var keys KeySource
		if keys, earlyIss, err = v.earlyKeys(ctx, payload, issBuf[:0]); err != nil {
			return err
		}
		if keys != nil {
			if key, err = checkSignature(ctx, keys, &out.Header, alg, seg, sig, hashScratch); err == nil {
				early = true
			} else if !errors.Is(err, ErrUnavailable) {
				return err
			}
			// When the keys cannot be had now, the claims are read
			// first, as for any token, so that a token the claims refuse
			// gets the same answer as when the keys are there.
		}
	}
	newAud, err := out.Claims.parse(payload, string(payload), st.claimMembers[:0], st.audience[:0], &v.auds)
	if err != nil {
		return err
	}
	if early && earlyIss != nil && out.Claims.Issuer != string(earlyIss) {
		// The early check counts only for the issuer the claims name.
		// The locator that chose it reads every claims set the parser
		// accepts as the parser does, so this is the belt to those
		// braces; it is taken before the hooks, which must not change
		// the claims but could.
		early, key = false, nil
	}
	// The issuer decides which keys may verify the token: a token naming an
	// issuer outside the trusted set is refused here, before any key lookup
	// or network call.
	keys, err := v.route(ctx, &out.Claims)
	if err != nil {
		return err
	}
	// The times and the caller's claim checks need no key: a token they
	// refuse (clients resend expired tokens all the time) costs no signature
	// check and no key lookup.
	if err := checkTimes(out.Claims.ExpiresAt, out.Claims.NotBefore, out.Claims.IssuedAt, v.now(), v.leeway, !v.expOptional, v.requireIAT, &v.timeWords); err != nil {
		return err
	}
	if v.checkClaims != nil {
		if err := v.checkClaims(&out.Header, &out.Claims); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return err
			}
			return &ValidationError{Kind: ErrInvalidClaim, Claim: "claims", Reason: "the claims check refused the token", Err: err}
		}
	}
	if !early {
		if key, err = checkSignature(ctx, keys, &out.Header, alg, seg, sig, hashScratch); err != nil {
			return err
		}
	}
	if memo == nil {
		// Only the header of a token that passed is remembered, so that
		// tokens made up to rotate headers cannot evict the issuer's.
		v.headers.store(seg.header, &parsed)
	}
	if newAud.Text() != "" {
		// Read again from the text, not taken from the Claims, which
		// CheckClaims could have changed: tokens made up with ever new
		// arrays, which are refused, cost no copy of theirs.
		v.auds.store(newAud)
	}
	out.Key, out.Keys = key, keys
	return nil
}

// checkSignature selects the key for h from keys and verifies the token's
// signature sig with it, returning the key.
func checkSignature(ctx context.Context, keys KeySource, h *Header, alg algorithm, seg segments, sig, scratch []byte) (*Key, error) {
	key, err := selectKey(ctx, keys, h, alg)
	if err != nil {
		return nil, err
	}
	if sig == nil {
		return nil, Errorf(ErrSignature, "", "the signature is longer than any key's signature")
	}
	if !verifySignature(alg, key, seg.signingInput, sig, scratch) {
		return nil, Errorf(ErrSignature, "", "the %s signature does not verify", alg.name).WithDetail("key %q", excerpt.Of(key.id))
	}
	return key, nil
}

func (v *Verifier) allowedAlgorithm(name string) (algorithm, bool) {
	for _, a := range v.allowed {
		if a.name == name {
			return a, true
		}
	}
	return algorithm{}, false
}

func (v *Verifier) allowedNames() string {
	s := ""
	for i, a := range v.allowed {
		if i > 0 {
			s += ", "
		}
		s += a.name
	}
	return s
}

// selectKey picks the key by kid, or the only key that fits alg when the
// token names none, and checks it fits alg. It allocates nothing on success:
// the kid lookup is a map access and the fit check builds a sentence only
// for a key that does not fit.
func selectKey(ctx context.Context, keys KeySource, h *Header, alg algorithm) (*Key, error) {
	set, err := keys.Keys(ctx, h.KeyID)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, err
		}
		if errors.Is(err, ErrKeyNotFound) {
			return nil, &ValidationError{Kind: ErrKeyNotFound, Claim: "header.kid", Reason: "the key source has no key for the token", Err: err}
		}
		return nil, &ValidationError{Kind: ErrUnavailable, Reason: "the key source failed", Err: err}
	}
	if h.KeyID == "" {
		var found *Key
		n := 0
		if set != nil {
			for _, k := range set.keys {
				if k.fitsAlg(alg) {
					found = k
					n++
				}
			}
		}
		switch n {
		case 0:
			return nil, Errorf(ErrKeyNotFound, "header.kid", "the token names no kid and no key in the set fits %s", alg.name)
		case 1:
			return found, nil
		default:
			return nil, Errorf(ErrKeyNotFound, "header.kid", "the token names no kid and %d keys fit %s; a kid is needed to choose", n, alg.name)
		}
	}
	candidates := set.Lookup(h.KeyID)
	if len(candidates) == 0 {
		// The kid is the token's own, unverified: the log may see it, the
		// client is not told it back.
		return nil, Errorf(ErrKeyNotFound, "header.kid", "no key in the issuer's key set has the token's kid").WithDetail("kid %q", excerpt.Of(h.KeyID))
	}
	for _, k := range candidates {
		if k.fitsAlg(alg) {
			return k, nil
		}
	}
	return nil, Errorf(ErrKeyMismatch, "header.alg", "the key the token names cannot verify the token's algorithm").WithDetail("%s", candidates[0].fits(alg))
}

// CheckTimes applies the time rules of the pipeline to claims at now: exp is
// required and must not have passed, nbf and iat must not be in the future,
// each within leeway; iat is required when requireIAT is set. The
// verified-token caches reuse it. Its messages give the times, so it is
// meant for claims whose signature was checked: the pipeline, which checks
// times before the signature, words the same refusals without them.
func CheckTimes(c *Claims, now time.Time, leeway time.Duration, requireIAT bool) error {
	return checkTimes(c.ExpiresAt, c.NotBefore, c.IssuedAt, now, leeway, true, requireIAT, nil)
}

// CheckTimeClaims is CheckTimes for the times alone, exp, nbf and iat, each
// zero when the claim is absent: for a result kept apart from its claims,
// such as a verified-token cache's, which need not build a Claims to check
// them again.
func CheckTimeClaims(exp, nbf, iat, now time.Time, leeway time.Duration, requireIAT bool) error {
	return checkTimes(exp, nbf, iat, now, leeway, true, requireIAT, nil)
}

// CheckPresentTimes applies the same rules as CheckTimes to those of exp,
// nbf and iat that c carries, and requires none of them: for documents in
// which each is optional, such as an RFC 7662 introspection answer.
func CheckPresentTimes(c *Claims, now time.Time, leeway time.Duration) error {
	return checkTimes(c.ExpiresAt, c.NotBefore, c.IssuedAt, now, leeway, false, false, nil)
}

// timeRefusals are the sentences the pipeline refuses a token's times
// with before its signature is checked. They give the leeway, never the
// token's own times, which nothing has vouched for yet; so they are the
// same for every token, and a Verifier words them once rather than
// formatting them for every expired token a client resends.
type timeRefusals struct {
	expired, notYet, future string
}

func newTimeRefusals(leeway time.Duration) timeRefusals {
	return timeRefusals{
		expired: fmt.Sprintf("the token has expired (leeway %s)", leeway),
		notYet:  fmt.Sprintf("the token is not valid yet (leeway %s)", leeway),
		future:  fmt.Sprintf("the token says it was issued in the future (leeway %s)", leeway),
	}
}

// checkTimes is CheckTimes and CheckPresentTimes, whose messages give the
// claims' times, and the pipeline's time checks, whose messages are words,
// made for a leeway of leeway, that give no value of the token.
func checkTimes(exp, nbf, iat, now time.Time, leeway time.Duration, requireEXP, requireIAT bool, words *timeRefusals) error {
	if exp.IsZero() {
		if requireEXP {
			return Errorf(ErrMissingClaim, "exp", "the token has no expiry; exp is required")
		}
	} else if !now.Before(exp.Add(leeway)) {
		if words != nil {
			return &ValidationError{Kind: ErrExpired, Claim: "exp", Reason: words.expired}
		}
		return Errorf(ErrExpired, "exp", "the token expired at %s, %s ago (leeway %s)",
			exp.Format(time.RFC3339), now.Sub(exp).Round(time.Second), leeway)
	}
	return checkStart(nbf, iat, now, leeway, requireIAT, words)
}

// checkStart applies nbf and iat, the rules of CheckTimes beside exp.
func checkStart(nbf, iat, now time.Time, leeway time.Duration, requireIAT bool, words *timeRefusals) error {
	if !nbf.IsZero() && now.Add(leeway).Before(nbf) {
		if words != nil {
			return &ValidationError{Kind: ErrNotYetValid, Claim: "nbf", Reason: words.notYet}
		}
		return Errorf(ErrNotYetValid, "nbf", "the token is valid only from %s, %s from now (leeway %s)",
			nbf.Format(time.RFC3339), nbf.Sub(now).Round(time.Second), leeway)
	}
	if iat.IsZero() {
		if requireIAT {
			return Errorf(ErrMissingClaim, "iat", "the token has no issue time; iat is required")
		}
	} else if now.Add(leeway).Before(iat) {
		if words != nil {
			return &ValidationError{Kind: ErrIssuedInFuture, Claim: "iat", Reason: words.future}
		}
		return Errorf(ErrIssuedInFuture, "iat", "the token says it was issued at %s, %s from now (leeway %s)",
			iat.Format(time.RFC3339), iat.Sub(now).Round(time.Second), leeway)
	}
	return nil
}
