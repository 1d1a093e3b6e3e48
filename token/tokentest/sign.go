package tokentest

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/tokenguard/tokenguard/internal/jwssign"
	"github.com/tokenguard/tokenguard/token"
)

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// compact signs the two encoded segments with signer and returns the compact
// JWS.
func compact(alg string, signer crypto.Signer, header, payload []byte) (string, error) {
	input := b64(header) + "." + b64(payload)
	sig, err := jwssign.Sign(alg, signer, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

// signMaps encodes header and claims and signs them with signer using the
// issuer's algorithm.
func (i *Issuer) signMaps(header, claims map[string]any, signer crypto.Signer) (string, error) {
	h, err := marshal(header)
	if err != nil {
		return "", fmt.Errorf("encoding the header: %w", err)
	}
	p, err := marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding the claims: %w", err)
	}
	return compact(i.cfg.alg, signer, h, p)
}

// Sign signs exactly the given header parameters and claims with the current
// key. Only alg (the issuer's algorithm) and kid (the current key) are added
// when header lacks them; a value of Omit removes them or any other member.
// Nothing else is defaulted: no typ, no iss, no exp. It reports an
// unencodable value with t.Errorf and returns "".
func (i *Issuer) Sign(header, claims Claims) string {
	if i.t != nil {
		i.t.Helper()
	}
	k := i.current()
	h := map[string]any{"alg": i.cfg.alg, "kid": k.kid}
	merge(h, header)
	c := map[string]any{}
	merge(c, claims)
	raw, err := i.signMaps(h, c, k.signer)
	if err != nil {
		i.errorf("tokentest: Sign: %v", err)
		return ""
	}
	return raw
}

// SignRaw base64url-encodes header and payload as they are, whatever they
// hold (invalid JSON, duplicate names, a "none" alg), and signs them with
// the current key and the issuer's algorithm. It is meant for tests of a
// parser's defences.
func (i *Issuer) SignRaw(header, payload []byte) string {
	if i.t != nil {
		i.t.Helper()
	}
	raw, err := compact(i.cfg.alg, i.current().signer, header, payload)
	if err != nil {
		i.errorf("tokentest: SignRaw: %v", err)
		return ""
	}
	return raw
}

// HashClaim returns the OpenID Connect at_hash or c_hash of value for a
// token signed with alg (OIDC Core §3.1.3.6, §3.3.2.11): the base64url
// encoding of the left half of the hash of value, using the hash of alg, and
// SHA-512 for EdDSA. It returns an error for an unknown algorithm.
func HashClaim(alg, value string) (string, error) {
	h, ok := token.HashFor(alg)
	if !ok {
		return "", fmt.Errorf("tokentest: HashClaim: algorithm %q is not supported", alg)
	}
	hh := h.New()
	hh.Write([]byte(value))
	sum := hh.Sum(nil)
	return b64(sum[:len(sum)/2]), nil
}
