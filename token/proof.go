package token

import (
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// DefaultMaxProofSize bounds a proof's length when ProofVerifierConfig sets
// no bound: 8 KiB, room for a header carrying an RSA-8192 key.
const DefaultMaxProofSize = 8 << 10

// proofKeyCacheSize bounds how many headers, and how many header keys, a
// ProofVerifier remembers. A client signs every proof with the same key
// under the same header, so remembering them spares the header's decoding
// and checks, the JWK parsing and the thumbprint on all but its first
// request. It is a power of two.
const proofKeyCacheSize = 1024

// ProofVerifierConfig configures a ProofVerifier. Its zero value is the safe
// default.
type ProofVerifierConfig struct {
	// Algorithms is the allow-list of JWS algorithms. Nil means
	// DefaultAlgorithms. Only asymmetric algorithms may be listed: a proof
	// of possession signed with a shared secret proves nothing.
	Algorithms []string
	// MaxSize bounds the proof's length in bytes, checked before any
	// decoding. Zero means DefaultMaxProofSize.
	MaxSize int
	// CheckHeader, when set, runs on the parsed header before the key in it
	// is read, so a JWT of the wrong type costs no key parsing. A DPoP
	// checker uses it to require typ "dpop+jwt". It runs on every proof,
	// also when the verifier remembers the proof's header from an earlier
	// proof, so its verdict may change from one proof to the next (a
	// denylist of keys, say).
	CheckHeader func(*Header) error
}

// ProofVerifier verifies JWTs signed by the public key carried in their own
// header (the "jwk" parameter), as DPoP proofs are (RFC 9449 §4.3). Such a
// signature shows only that the sender holds that key; whether the key is
// the right one is the caller's decision, usually by comparing
// Verified.Key.Thumbprint with the token's confirmation (cnf). The issuer
// pipeline (Verifier) never uses header keys; only this type does.
//
// It is safe for concurrent use.
type ProofVerifier struct {
	allowed     []algorithm
	names       string
	maxSize     int
	checkHeader func(*Header) error

	// headers remembers the headers of proofs that verified, by their
	// base64url segment: a client sends the same header (typ, alg, its
	// jwk) with every proof, so its later proofs skip decoding and parsing
	// the header, the checks on it and the key lookup. keys remembers
	// parsed header keys by their JSON text, for headers not seen before.
	headers proofCache[*provenHeader]
	keys    proofCache[*Key]
	seed    maphash.Seed
}

// provenHeader is a proof header a ProofVerifier has accepted, with all that
// depends on the header alone decided: the algorithm is allowed, and the
// jwk is a public key that fits the algorithm (CheckHeader still runs on
// every proof). Its Header is
// parsed from its own copy of the text and is never changed once stored.
type provenHeader struct {
	header Header
	alg    algorithm
	key    *Key
}

// proofCache remembers values by a text, in proofKeyCacheSize slots. A text
// may sit in either of the two slots its seeded hash picks; each slot holds
// an immutable entry, read and replaced atomically, so concurrent proofs
// share the cache without a lock, and its size is its bound.
type proofCache[V any] struct {
	slots [proofKeyCacheSize]atomic.Pointer[proofCacheEntry[V]]
}

// proofCacheEntry is one remembered value and the text it is remembered by
// (its own copy, not a piece of the proof it came in).
type proofCacheEntry[V any] struct {
	text  string
	value V
}

// pair returns the two slots where text may sit; the first is its own.
func (c *proofCache[V]) pair(seed maphash.Seed, text string) (own, other *atomic.Pointer[proofCacheEntry[V]]) {
	i := maphash.String(seed, text) & (proofKeyCacheSize - 1)
	return &c.slots[i], &c.slots[i^1]
}

// get returns the value remembered for text.
func (c *proofCache[V]) get(seed maphash.Seed, text string) (v V, ok bool) {
	own, other := c.pair(seed, text)
	for _, s := range [2]*atomic.Pointer[proofCacheEntry[V]]{own, other} {
		if e := s.Load(); e != nil && e.text == text {
			return e.value, true
		}
	}
	return v, false
}

// put remembers v for a copy of text. The text's own slot is taken if
// empty, else the other one if empty, else the text's own slot is
// replaced: two texts share a pair of slots without evicting each other
// unless both hash to the same one.
func (c *proofCache[V]) put(seed maphash.Seed, text string, v V) {
	own, other := c.pair(seed, text)
	if own.Load() != nil && other.Load() == nil {
		own = other
	}
	own.Store(&proofCacheEntry[V]{text: strings.Clone(text), value: v})
}

// NewProofVerifier checks cfg and returns a ProofVerifier. It refuses an
// unknown or symmetric algorithm and a negative MaxSize.
func NewProofVerifier(cfg ProofVerifierConfig) (*ProofVerifier, error) {
	algs := cfg.Algorithms
	if algs == nil {
		algs = DefaultAlgorithms()
	}
	if len(algs) == 0 {
		return nil, errors.New("token: ProofVerifierConfig.Algorithms is empty; leave it nil for the default")
	}
	maxSize, err := settings.Limit("token: ProofVerifierConfig.MaxSize", cfg.MaxSize, DefaultMaxProofSize)
	if err != nil {
		return nil, err
	}
	p := &ProofVerifier{maxSize: maxSize, checkHeader: cfg.CheckHeader, seed: maphash.MakeSeed()}
	for _, name := range algs {
		a, ok := lookupAlgorithm(name)
		if !ok {
			return nil, fmt.Errorf("token: algorithm %q is not supported", name)
		}
		if a.kind == kindHMAC {
			return nil, fmt.Errorf("token: %s is symmetric; a proof of possession needs an asymmetric algorithm", name)
		}
		if !slices.ContainsFunc(p.allowed, func(b algorithm) bool { return b.name == a.name }) {
			p.allowed = append(p.allowed, a)
		}
	}
	for i, a := range p.allowed {
		if i > 0 {
			p.names += " "
		}
		p.names += a.name
	}
	return p, nil
}

// Algorithms returns the allow-list, space-separated, as the algs parameter
// of a DPoP challenge lists it (RFC 9449 §7.1).
func (p *ProofVerifier) Algorithms() string {
	if p == nil {
		return ""
	}
	return p.names
}

// Verify checks raw and returns it verified, in a new Verified of its own:
// raw must be a compact JWS of at most the configured size whose strict header
// names an allowed alg and carries a public JWK ("jwk") that fits that alg
// and verifies the signature, with strict claims. A jwk with private
// members (d, p, q, dp, dq, qi, oth, k) or a symmetric key is refused. No
// claim is interpreted: times, issuer and the rest are the caller's.
//
// Errors are *ValidationErrors of the pipeline's sentinels: ErrTooLarge,
// ErrMalformed, ErrUnsupportedAlgorithm, ErrCritical, ErrKeyMismatch,
// ErrSignature, or what CheckHeader or check returns.
//
// check, when not nil, runs once the header and claims are parsed and
// before the header's key is read or the signature checked, so that a proof
// whose claims do not fit the request costs no signature check. The
// Verified's Key is nil when it runs.
func (p *ProofVerifier) Verify(raw string, check func(*Verified) error) (*Verified, error) {
	if p == nil || p.maxSize == 0 {
		return nil, Errorf(ErrUnavailable, "", "the proof verifier is not configured; build it with token.NewProofVerifier")
	}
	if len(raw) > p.maxSize {
		return nil, Errorf(ErrTooLarge, "", "the proof is %d bytes; at most %d are accepted", len(raw), p.maxSize)
	}
	seg, verr := splitCompact(raw)
	if verr != nil {
		return nil, verr
	}
	// A header this verifier has accepted before, byte for byte, passed
	// every check that depends on the header alone: only the payload is
	// decoded, and the checks below that were decided for it are skipped.
	proven, known := p.headers.get(p.seed, seg.header)
	var scratch [decodeScratchSize]byte
	var hdr, payload []byte
	if known {
		payload, verr = decodePayload(seg, scratch[:])
	} else {
		hdr, payload, verr = decodeParts(seg, scratch[:])
	}
	if verr != nil {
		return nil, verr
	}
	var sigBuf [MaxRSABits / 8]byte
	sig, verr := decodeSignature(seg, sigBuf[:])
	if verr != nil {
		return nil, verr
	}
	// The Verified and the storage its members live in are made only once
	// the proof has passed the checks of its form.
	r := new(proofResult)
	out := &r.Verified
	out.Raw = raw
	var text string // the decoded header (unless known) and payload
	var alg algorithm
	if known {
		out.Header, alg = proven.header, proven.alg
		text = string(payload)
	} else {
		text = string(hdr[:len(hdr)+len(payload)])
		if verr := parseHeader(&out.Header, hdr, text[:len(hdr)], nil, r.headerMembers[:0]); verr != nil {
			return nil, verr
		}
		if alg, verr = p.algorithm(out.Header.Algorithm); verr != nil {
			return nil, verr
		}
	}
	if seg.signature == "" {
		return nil, Errorf(ErrSignature, "", "the proof has an empty signature")
	}
	if p.checkHeader != nil {
		if err := p.checkHeader(&out.Header); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return nil, err
			}
			return nil, &ValidationError{Kind: ErrTokenType, Claim: "header", Reason: "the header check refused the proof", Err: err}
		}
	}
	if _, err := out.Claims.parse(payload, text[len(text)-len(payload):], r.claimMembers[:0], nil, nil); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(out); err != nil {
			return nil, err
		}
	}
	var key *Key
	if known {
		key = proven.key
	} else {
		var err error
		if key, err = p.headerKey(&out.Header); err != nil {
			return nil, err
		}
		if why := key.fits(alg); why != "" {
			// why quotes the proof's own jwk, which nothing has vouched for.
			return nil, Errorf(ErrKeyMismatch, "header.jwk", "the key in the proof's header cannot verify the proof's algorithm").WithDetail("%s", why)
		}
	}
	if sig == nil || !verifySignature(alg, key, seg.signingInput, sig, nil) {
		return nil, Errorf(ErrSignature, "", "the %s signature does not verify with the key in the proof's header", alg.name)
	}
	out.Key = key
	if !known {
		p.remember(seg.header, &out.Header, alg, key)
	}
	return out, nil
}

// algorithm returns the allowed algorithm a proof's header names.
func (p *ProofVerifier) algorithm(name string) (algorithm, *ValidationError) {
	for _, a := range p.allowed {
		if a.name == name {
			return a, nil
		}
	}
	return algorithm{}, Errorf(ErrUnsupportedAlgorithm, "header.alg", "the proof is signed with an algorithm this server does not accept for proofs").
		WithDetail("alg %q; allowed: %s", excerpt.Of(name), p.names)
}

// remember keeps the header of a proof that verified, by its segment, for
// the client's next proofs. The kept Header is parsed again from a copy of
// its own text, so that it holds on to nothing of this proof.
func (p *ProofVerifier) remember(segment string, h *Header, alg algorithm, key *Key) {
	text := strings.Clone(h.text)
	kept := &provenHeader{alg: alg, key: key}
	if parseHeader(&kept.header, []byte(text), text, nil, nil) != nil {
		return // it parsed a moment ago; nothing to remember if it does not
	}
	p.headers.put(p.seed, segment, kept)
}

// proofResult is a proof's Verified with room for the members of a usual
// proof, in one allocation: a DPoP proof's header holds typ, alg and jwk
// (and sometimes kid), its claims jti, htm, htu, iat, ath and perhaps nonce.
// A proof with more members costs one allocation more for them. It is a
// third smaller than an access token's Result, whose room is sized for
// tokens of some twenty claims and four audiences.
type proofResult struct {
	Verified      Verified
	headerMembers [4]strictjson.Span
	claimMembers  [8]strictjson.Span
}

// privateJWKMembers are the JWK members that carry private key material
// (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
var privateJWKMembers = [...]string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// headerKey reads the header's jwk: a JSON object holding a public
// asymmetric key, parsed once per distinct key text and then remembered.
func (p *ProofVerifier) headerKey(h *Header) (*Key, error) {
	raw, ok := h.member("jwk")
	if !ok {
		return nil, Errorf(ErrMalformed, "header.jwk", "the header carries no jwk; a proof must carry the public key that signed it")
	}
	if k, ok := p.keys.get(p.seed, raw); ok {
		return k, nil
	}
	members, err := strictjson.ParseObject([]byte(raw), 4, nil)
	if err != nil {
		return nil, &ValidationError{Kind: ErrMalformed, Claim: "header.jwk", Reason: "jwk is not a strict JSON object", Err: err}
	}
	for _, m := range members {
		for _, name := range privateJWKMembers {
			if string(m.Name) == name {
				return nil, Errorf(ErrKeyMismatch, "header.jwk", "jwk holds the private member %q; a proof's jwk must be a public key", name)
			}
		}
	}
	k, err := ParseKey([]byte(raw))
	if err != nil {
		return nil, &ValidationError{Kind: ErrKeyMismatch, Claim: "header.jwk", Reason: "jwk is not a usable public key", Err: err}
	}
	if k.Symmetric() {
		return nil, Errorf(ErrKeyMismatch, "header.jwk", "jwk is a symmetric key; a proof's jwk must be a public key")
	}
	// Computed once here, before the key is shared, so that Thumbprint
	// costs nothing on every later proof signed with it.
	if k.thumb, err = jose.Thumbprint(k.public); err != nil {
		return nil, &ValidationError{Kind: ErrKeyMismatch, Claim: "header.jwk", Reason: "the thumbprint of jwk cannot be computed", Err: err}
	}
	p.keys.put(p.seed, raw, k)
	return k, nil
}
