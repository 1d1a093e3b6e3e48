package idtoken

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/internal/jwssign"
	"github.com/tokenguard/tokenguard/token"
)

// maxDPoPNonceLength bounds a DPoP-Nonce the client remembers and repeats.
const maxDPoPNonceLength = 512

// DPoPKey is the client's proof-of-possession key for DPoP (RFC 9449): the
// key its access tokens are bound to (cnf.jkt), with which it signs a proof
// for each request.
type DPoPKey struct {
	// Signer is the private key: an *ecdsa.PrivateKey, *rsa.PrivateKey,
	// ed25519.PrivateKey, or any crypto.Signer over such a key (a hardware
	// key, a KMS).
	Signer crypto.Signer
	// Algorithm is the JWS algorithm of the proofs: ES256, ES384, ES512,
	// RS256, PS256 or EdDSA, fitting the key. Empty means ES256.
	Algorithm string
}

// dpopAlgorithms are the algorithms a DPoPKey may sign with: the
// asymmetric ones servers commonly accept for proofs.
var dpopAlgorithms = []string{token.ES256, token.ES384, token.ES512, token.RS256, token.PS256, token.EdDSA}

// dpopSigner signs the DPoP proofs of one client and remembers the latest
// nonce the server gave it (RFC 9449 §8.2).
type dpopSigner struct {
	alg    string
	signer crypto.Signer
	header []byte // the proof header, JSON: typ, alg, jwk
	jkt    string // the key's RFC 7638 thumbprint
	htu    string // the endpoint without query or fragment

	mu    sync.Mutex
	nonce string
}

// newDPoPSigner checks k and computes what every proof repeats.
func newDPoPSigner(k *DPoPKey, endpoint *url.URL) (*dpopSigner, error) {
	if k.Signer == nil {
		return nil, errors.New("idtoken: UserInfoConfig.DPoP.Signer is required")
	}
	alg := k.Algorithm
	if alg == "" {
		alg = token.ES256
	}
	if !slices.Contains(dpopAlgorithms, alg) {
		return nil, fmt.Errorf("idtoken: UserInfoConfig.DPoP.Algorithm %q is not one of %v", alg, dpopAlgorithms)
	}
	pub, err := token.NewPublicKey(token.KeyParams{Algorithm: alg}, k.Signer.Public())
	if err != nil {
		return nil, fmt.Errorf("idtoken: UserInfoConfig.DPoP.Signer: %w", err)
	}
	// A test signature shows the key fits the algorithm (curve included)
	// and the signer works, before any request depends on it.
	if _, err := jwssign.Sign(alg, k.Signer, []byte("tokenguard DPoP key check")); err != nil {
		return nil, fmt.Errorf("idtoken: UserInfoConfig.DPoP: %w", err)
	}
	jkt, err := pub.Thumbprint()
	if err != nil {
		return nil, fmt.Errorf("idtoken: UserInfoConfig.DPoP.Signer: %w", err)
	}
	jwk, err := jose.MarshalPublic("", "", k.Signer.Public())
	if err != nil {
		return nil, fmt.Errorf("idtoken: UserInfoConfig.DPoP.Signer: %w", err)
	}
	header, err := json.Marshal(struct {
		Typ string          `json:"typ"`
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}{"dpop+jwt", alg, jwk})
	if err != nil {
		return nil, err
	}
	u := *endpoint
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return &dpopSigner{alg: alg, signer: k.Signer, header: header, jkt: jkt, htu: u.String()}, nil
}

// proof returns a proof (RFC 9449 §4.2) for a request with method to the
// endpoint carrying accessToken, with the nonce last remembered, if any,
// and that nonce.
func (d *dpopSigner) proof(method, accessToken string, now time.Time) (string, string, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", "", err
	}
	nonce := d.lastNonce()
	sum := sha256.Sum256([]byte(accessToken))
	claims, err := json.Marshal(struct {
		JTI   string `json:"jti"`
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		IAT   int64  `json:"iat"`
		ATH   string `json:"ath"`
		Nonce string `json:"nonce,omitempty"`
	}{b64url(id[:]), method, d.htu, now.Unix(), b64url(sum[:]), nonce})
	if err != nil {
		return "", "", err
	}
	input := b64url(d.header) + "." + b64url(claims)
	sig, err := jwssign.Sign(d.alg, d.signer, []byte(input))
	if err != nil {
		return "", "", err
	}
	return input + "." + b64url(sig), nonce, nil
}

func (d *dpopSigner) lastNonce() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nonce
}

// remember keeps n, a DPoP-Nonce the server sent, for the next proofs. A
// value that is not a valid nonce (RFC 9449 §8.1: one or more of the
// printable ASCII characters but '"' and '\', here at most 512) is
// ignored; it returns whether n was kept.
func (d *dpopSigner) remember(n string) bool {
	if n == "" || len(n) > maxDPoPNonceLength {
		return false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	d.mu.Lock()
	d.nonce = n
	d.mu.Unlock()
	return true
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
