package accesstoken

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/token"
)

// DPoPNonceSource issues and checks the nonces a resource server asks
// clients to put in their DPoP proofs (RFC 9449 §9). Set it in
// DPoPConfig.Nonces; NewDPoPNonces makes one.
type DPoPNonceSource interface {
	// Nonce returns the nonce clients should use from now on. Nonces must
	// be unpredictable and follow RFC 9449 §8.1's syntax (1*NQCHAR). An
	// error should match token.ErrUnavailable.
	Nonce(ctx context.Context) (string, error)
	// Check returns nil when nonce is one this source issued recently
	// enough to accept, an error matching token.ErrDPoPNonce when it is not,
	// and one matching token.ErrUnavailable when it cannot tell.
	Check(ctx context.Context, nonce string) error
}

// DPoPNonces is a DPoPNonceSource that needs no storage: a nonce names the
// period it was issued in and carries an HMAC-SHA256 of it under a secret
// key, so any server holding the key can check it. The current nonce
// changes every period, and a nonce is accepted during its own period and
// the next, so it lives between one and two periods: a proof can be used
// at most that long after the nonce it carries was issued, however its iat
// was chosen (RFC 9449 §11.2). Servers of a fleet share nonces by sharing
// the key.
type DPoPNonces struct {
	key    []byte
	period time.Duration
	now    func() time.Time
}

// Nonce sizes: 8 bytes of period number and 16 of MAC, base64url.
const nonceMAC = 16

// DefaultDPoPNoncePeriod is the period of NewDPoPNonces when it is given
// zero.
const DefaultDPoPNoncePeriod = 5 * time.Minute

// NewDPoPNonces returns a DPoPNonces keyed with secret (at least 32 bytes;
// nil means a random key of this process, which only this process can
// check) whose nonce changes every period (zero means
// DefaultDPoPNoncePeriod). now is the clock; nil means time.Now.
func NewDPoPNonces(secret []byte, period time.Duration, now func() time.Time) (*DPoPNonces, error) {
	if secret == nil {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("accesstoken: NewDPoPNonces: %w", err)
		}
	}
	if len(secret) < 32 {
		return nil, fmt.Errorf("accesstoken: NewDPoPNonces: the secret is %d bytes; at least 32 are needed", len(secret))
	}
	period, err := settings.Limit("accesstoken: NewDPoPNonces: period", period, DefaultDPoPNoncePeriod)
	if err != nil {
		return nil, err
	}
	return &DPoPNonces{key: append([]byte(nil), secret...), period: period, now: settings.Clock(now)}, nil
}

var _ DPoPNonceSource = (*DPoPNonces)(nil)

func (n *DPoPNonces) slot() uint64 { return uint64(n.now().UnixNano() / int64(n.period)) }

func (n *DPoPNonces) make(slot uint64) string {
	var b [8 + nonceMAC]byte
	binary.BigEndian.PutUint64(b[:8], slot)
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte("tokenguard DPoP nonce\x00"))
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Nonce implements DPoPNonceSource.
func (n *DPoPNonces) Nonce(ctx context.Context) (string, error) {
	if n == nil || n.key == nil {
		return "", token.Errorf(token.ErrUnavailable, "", "the DPoP nonce source is not configured; build it with accesstoken.NewDPoPNonces")
	}
	return n.make(n.slot()), nil
}

// Check implements DPoPNonceSource.
func (n *DPoPNonces) Check(ctx context.Context, nonce string) error {
	if n == nil || n.key == nil {
		return token.Errorf(token.ErrUnavailable, "", "the DPoP nonce source is not configured; build it with accesstoken.NewDPoPNonces")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	if err != nil || len(b) != 8+nonceMAC {
		return token.Errorf(token.ErrDPoPNonce, "nonce", "the nonce was not issued by this server")
	}
	slot := binary.BigEndian.Uint64(b[:8])
	cur := n.slot()
	if slot != cur && slot+1 != cur {
		return token.Errorf(token.ErrDPoPNonce, "nonce", "the nonce has expired")
	}
	if !hmac.Equal([]byte(n.make(slot)), []byte(nonce)) {
		return token.Errorf(token.ErrDPoPNonce, "nonce", "the nonce was not issued by this server")
	}
	return nil
}
