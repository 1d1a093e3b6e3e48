package tokentest

import (
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Claims are claim (or header parameter) overrides: each entry replaces the
// default of that name, or adds it. Values are encoded with encoding/json
// as given, so a test may put a value of the wrong type
// (Claims{"exp": "tomorrow"}); the value Omit removes the default instead.
type Claims map[string]any

// omit is the type of Omit.
type omit struct{}

// Omit, as the value of a Claims entry or of WithHeader, removes that claim
// or header parameter from the token: Claims{"exp": tokentest.Omit} mints a
// token without an expiry.
var Omit = omit{}

// merge applies overrides to dst: Omit deletes, anything else sets.
func merge(dst map[string]any, overrides map[string]any) {
	for k, v := range overrides {
		if _, ok := v.(omit); ok {
			delete(dst, k)
			continue
		}
		dst[k] = v
	}
}

// MintOption changes how IDToken or AccessToken mints one token.
type MintOption func(*mint)

// mint collects the MintOptions of one call.
type mint struct {
	header []func(map[string]any)
	hashes []hashClaim
	signer crypto.Signer
	tenant string   // ForTenant
	claims []Claims // WithIssuer and the like, applied before the caller's Claims
}

type hashClaim struct{ name, value string }

// AtJWT sets the header typ to "at+jwt", the RFC 9068 type of JWT access
// tokens. Without it access tokens carry typ "JWT" as Auth0's do.
func AtJWT() MintOption { return WithHeader("typ", "at+jwt") }

// WithHeader sets the header parameter name to value, or removes it when
// value is Omit (WithHeader("kid", tokentest.Omit)). The value is encoded as
// given, so WithHeader("alg", "none") or WithHeader("crit", []string{"exp"})
// mint tokens a validator must refuse; the signature is still made with the
// issuer's algorithm and key.
func WithHeader(name string, value any) MintOption {
	return func(m *mint) {
		m.header = append(m.header, func(h map[string]any) { merge(h, map[string]any{name: value}) })
	}
}

// WithKeyID sets the header kid, for instance to one the issuer does not
// publish.
func WithKeyID(kid string) MintOption { return WithHeader("kid", kid) }

// WithSigningKey signs the token with key instead of the issuer's key,
// keeping the issuer's algorithm and kid: a forged token that claims to come
// from the issuer. key must suit the algorithm (an *rsa.PrivateKey for RS
// and PS algorithms, an *ecdsa.PrivateKey for ES, an ed25519.PrivateKey for
// EdDSA); otherwise minting reports an error with t.Errorf and returns "".
func WithSigningKey(key crypto.Signer) MintOption { return func(m *mint) { m.signer = key } }

// WithAccessTokenHash adds the at_hash claim for the access token at,
// computed with the issuer's algorithm (see HashClaim).
func WithAccessTokenHash(at string) MintOption {
	return func(m *mint) { m.hashes = append(m.hashes, hashClaim{"at_hash", at}) }
}

// WithCodeHash adds the c_hash claim for the authorization code code,
// computed with the issuer's algorithm (see HashClaim).
func WithCodeHash(code string) MintOption {
	return func(m *mint) { m.hashes = append(m.hashes, hashClaim{"c_hash", code}) }
}

// IDToken mints an OpenID Connect ID token. The defaults are those of a
// fresh Auth0 login: iss URL(), sub Subject(), aud ClientID() (a string),
// iat, auth_time and updated_at now, exp an hour from now, sid
// SessionID(), the profile claims name, given_name, family_name, nickname,
// picture and locale, email with email_verified true; header alg, kid and
// typ "JWT". With WithProvider they are that provider's instead (see
// Provider). There is
// no nonce unless c sets one. c overrides or removes (Omit) any claim; opts
// change the header, add at_hash or c_hash, set the issuer or tenant, or
// forge the signature. A value that cannot be encoded is reported with
// t.Errorf and "" returned.
func (i *Issuer) IDToken(c Claims, opts ...MintOption) string {
	if i.t != nil {
		i.t.Helper()
	}
	raw, _, err := i.mintJWT(i.idDefaults(i.now()), "JWT", c, opts)
	if err != nil {
		i.errorf("tokentest: IDToken: %v", err)
		return ""
	}
	return raw
}

// AccessToken mints a JWT access token. The defaults are those of Auth0's
// profile: iss URL(), sub Subject(), aud [Audience()] (an array), iat now,
// exp an hour from now, a random jti, client_id and azp ClientID(); no
// scope unless c sets one (Claims{"scope": "read:appointments"}); header
// alg, kid and typ "JWT" (AtJWT for RFC 9068's "at+jwt"). With
// WithProvider they are that provider's instead (see Provider). The
// introspection endpoint knows the token too: it answers its claims with
// active true and token_type "Bearer" until Revoke. c and opts work as for
// IDToken.
func (i *Issuer) AccessToken(c Claims, opts ...MintOption) string {
	if i.t != nil {
		i.t.Helper()
	}
	claims, typ := i.atDefaults(i.now())
	raw, final, err := i.mintJWT(claims, typ, c, opts)
	if err == nil {
		answer := map[string]any{"active": true, "token_type": "Bearer"}
		merge(answer, final)
		err = i.register(raw, answer)
	}
	if err != nil {
		i.errorf("tokentest: AccessToken: %v", err)
		return ""
	}
	return raw
}

// mintJWT applies opts and the caller's claims to the defaults and signs;
// typ is the header typ ("" for none). It returns the token and the claims
// it carries.
func (i *Issuer) mintJWT(claims map[string]any, typ string, c Claims, opts []MintOption) (string, map[string]any, error) {
	var m mint
	for _, o := range opts {
		if o != nil {
			o(&m)
		}
	}
	k := i.current()
	if m.signer == nil {
		m.signer = k.signer
	}
	header := map[string]any{"alg": i.cfg.alg, "kid": k.kid}
	if typ != "" {
		header["typ"] = typ
	}
	for _, f := range m.header {
		f(header)
	}
	for _, h := range m.hashes {
		v, err := HashClaim(i.cfg.alg, h.value)
		if err != nil {
			return "", nil, err
		}
		claims[h.name] = v
	}
	if m.tenant != "" {
		if !i.multiTenant() {
			return "", nil, fmt.Errorf("ForTenant(%q) needs an Entra ID issuer (WithProvider(EntraIDv1) or WithProvider(EntraIDv2)), not %s", m.tenant, i.cfg.provider)
		}
		claims["iss"], claims["tid"] = i.tenantIssuer(m.tenant), m.tenant
	}
	for _, o := range m.claims {
		merge(claims, o)
	}
	merge(claims, c)
	raw, err := i.signMaps(header, claims, m.signer)
	return raw, claims, err
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
