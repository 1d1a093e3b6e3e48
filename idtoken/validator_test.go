package idtoken_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func TestNewValidatorRequiresConfig(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		edit func(*idtoken.Config)
	}{
		{"no issuer", func(c *idtoken.Config) { c.Issuer = "" }},
		{"no client ID", func(c *idtoken.Config) { c.ClientID = "" }},
		{"no keys", func(c *idtoken.Config) { c.Keys = nil }},
		{"alg none", func(c *idtoken.Config) { c.Algorithms = []string{"none"} }},
		{"unknown alg", func(c *idtoken.Config) { c.Algorithms = []string{"RS257"} }},
		{"empty allow-list", func(c *idtoken.Config) { c.Algorithms = []string{} }},
		{"negative MaxAge", func(c *idtoken.Config) { c.MaxAge = -time.Second }},
		{"negative MaxTokenSize", func(c *idtoken.Config) { c.MaxTokenSize = -1 }},
		{"empty trusted audience", func(c *idtoken.Config) { c.TrustedAudiences = []string{""} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := f.config()
			tc.edit(&cfg)
			if v, err := idtoken.NewValidator(cfg); err == nil || v != nil {
				t.Fatalf("NewValidator = %v, %v; want an error", v, err)
			}
		})
	}
}

func TestZeroValidatorRefuses(t *testing.T) {
	var v idtoken.Validator
	if tok, err := v.Validate(context.Background(), "a.b.c"); err == nil || tok != nil {
		t.Fatalf("zero Validator: %v, %v; want an error", tok, err)
	}
}

func TestDefaultAlgorithmIsRS256Only(t *testing.T) {
	rs := newFixture(t)
	v := rs.validator(t, func(c *idtoken.Config) { c.Algorithms = nil })
	expect(t, v, rs.iss.IDToken(nil), nil)

	for _, alg := range []string{"RS384", "PS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, tokentest.WithAlgorithm(alg))
			def := f.validator(t, func(c *idtoken.Config) { c.Algorithms = nil })
			expect(t, def, f.iss.IDToken(nil), token.ErrUnsupportedAlgorithm)
			listed := f.validator(t, nil) // Algorithms: [alg]
			expect(t, listed, f.iss.IDToken(nil), nil)
		})
	}
}

// rule is one row of the OIDC Core §3.1.3.7 table: a token minted with
// claims (and mint options) by the default RS256 issuer, a validator
// configuration, per-call options, and the expected sentinel.
type rule struct {
	name   string
	claims tokentest.Claims
	mint   []tokentest.MintOption
	raw    func(f *fixture) string // instead of claims and mint
	cfg    func(*idtoken.Config)
	opts   []idtoken.Option
	want   error
}

const (
	accessToken = "SlAV32hkKG"
	authCode    = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
	trustedAud  = "https://api.example.com"
)

func trust(c *idtoken.Config) { c.TrustedAudiences = []string{trustedAud} }

var rules = []rule{
	{name: "valid", want: nil},

	// iss (rule 2)
	{name: "iss other", claims: tokentest.Claims{"iss": "https://evil.example"}, want: token.ErrIssuer},
	{name: "iss trailing slash", raw: func(f *fixture) string { return f.iss.IDToken(tokentest.Claims{"iss": f.iss.URL() + "/"}) }, want: token.ErrIssuer},
	{name: "iss different case", raw: func(f *fixture) string { return f.iss.IDToken(tokentest.Claims{"iss": "HTTP" + f.iss.URL()[4:]}) }, want: token.ErrIssuer},
	{name: "iss missing", claims: tokentest.Claims{"iss": tokentest.Omit}, want: token.ErrMissingClaim},
	{name: "iss number", claims: tokentest.Claims{"iss": 1}, want: token.ErrInvalidClaim},

	// aud (rule 3) and azp (rules 4, 5)
	{name: "aud other", claims: tokentest.Claims{"aud": "other-client"}, want: token.ErrAudience},
	{name: "aud missing", claims: tokentest.Claims{"aud": tokentest.Omit}, want: token.ErrMissingClaim},
	{name: "aud empty array", claims: tokentest.Claims{"aud": []string{}}, want: token.ErrAudience},
	{name: "aud array of client", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID}}, want: nil},
	{name: "aud number", claims: tokentest.Claims{"aud": 42}, want: token.ErrInvalidClaim},
	{name: "aud prefix of client", claims: tokentest.Claims{"aud": tokentest.DefaultClientID[:5]}, want: token.ErrAudience},
	{name: "aud extra untrusted", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID, "other"}, "azp": tokentest.DefaultClientID}, want: token.ErrAudience},
	{name: "aud extra trusted with azp", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID, trustedAud}, "azp": tokentest.DefaultClientID}, cfg: trust, want: nil},
	{name: "aud only trusted", claims: tokentest.Claims{"aud": []string{trustedAud}}, cfg: trust, want: token.ErrAudience},
	{name: "aud several without azp", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID, trustedAud}}, cfg: trust, want: token.ErrAuthorizedParty},
	{name: "aud several azp other", claims: tokentest.Claims{"aud": []string{tokentest.DefaultClientID, trustedAud}, "azp": trustedAud}, cfg: trust, want: token.ErrAuthorizedParty},
	{name: "azp other with single aud", claims: tokentest.Claims{"azp": "other-client"}, want: token.ErrAuthorizedParty},
	{name: "azp empty", claims: tokentest.Claims{"azp": ""}, want: token.ErrAuthorizedParty},
	{name: "azp client with single aud", claims: tokentest.Claims{"azp": tokentest.DefaultClientID}, want: nil},
	{name: "azp null", claims: tokentest.Claims{"azp": nil}, want: token.ErrInvalidClaim},

	// exp, iat, nbf (rules 9, 10)
	{name: "exp missing", claims: tokentest.Claims{"exp": tokentest.Omit}, want: token.ErrMissingClaim},
	{name: "exp passed", claims: tokentest.Claims{"exp": at(-2 * time.Minute)}, want: token.ErrExpired},
	{name: "exp passed within leeway", claims: tokentest.Claims{"exp": at(-30 * time.Second)}, want: nil},
	{name: "exp passed, no leeway", claims: tokentest.Claims{"exp": at(-time.Second)}, cfg: func(c *idtoken.Config) { c.Leeway = -1 }, want: token.ErrExpired},
	{name: "exp string", claims: tokentest.Claims{"exp": "tomorrow"}, want: token.ErrInvalidClaim},
	{name: "iat missing", claims: tokentest.Claims{"iat": tokentest.Omit}, want: token.ErrMissingClaim},
	{name: "iat in the future", claims: tokentest.Claims{"iat": at(10 * time.Minute)}, want: token.ErrIssuedInFuture},
	{name: "nbf in the future", claims: tokentest.Claims{"nbf": at(10 * time.Minute)}, want: token.ErrNotYetValid},
	{name: "MaxAge exceeded", claims: tokentest.Claims{"iat": at(-2 * time.Hour)}, cfg: func(c *idtoken.Config) { c.MaxAge = time.Hour }, want: token.ErrExpired},
	{name: "MaxAge within", claims: tokentest.Claims{"iat": at(-30 * time.Minute)}, cfg: func(c *idtoken.Config) { c.MaxAge = time.Hour }, want: nil},
	{name: "MaxAge within leeway", claims: tokentest.Claims{"iat": at(-time.Hour - 30*time.Second)}, cfg: func(c *idtoken.Config) { c.MaxAge = time.Hour }, want: nil},

	// sub
	{name: "sub missing", claims: tokentest.Claims{"sub": tokentest.Omit}, want: token.ErrMissingClaim},
	{name: "sub empty", claims: tokentest.Claims{"sub": ""}, want: token.ErrInvalidClaim},
	{name: "sub number", claims: tokentest.Claims{"sub": 42}, want: token.ErrInvalidClaim},

	// nonce (rule 11)
	{name: "nonce equal", claims: tokentest.Claims{"nonce": "n-0S6_WzA2Mj"}, opts: []idtoken.Option{idtoken.WithNonce("n-0S6_WzA2Mj")}, want: nil},
	{name: "nonce differs", claims: tokentest.Claims{"nonce": "n-0S6_WzA2Mj"}, opts: []idtoken.Option{idtoken.WithNonce("n-0S6_WzA2Mk")}, want: token.ErrNonce},
	{name: "nonce missing", opts: []idtoken.Option{idtoken.WithNonce("n-0S6_WzA2Mj")}, want: token.ErrNonce},
	{name: "nonce expected empty, token has none", opts: []idtoken.Option{idtoken.WithNonce("")}, want: token.ErrNonce},
	{name: "nonce expected empty, token empty", claims: tokentest.Claims{"nonce": ""}, opts: []idtoken.Option{idtoken.WithNonce("")}, want: token.ErrNonce},
	{name: "nonce number", claims: tokentest.Claims{"nonce": 7}, opts: []idtoken.Option{idtoken.WithNonce("7")}, want: token.ErrInvalidClaim},
	{name: "nonce null", claims: tokentest.Claims{"nonce": nil}, want: token.ErrInvalidClaim},
	{name: "nonce present, not asked", claims: tokentest.Claims{"nonce": "x"}, want: nil},

	// at_hash and c_hash
	{name: "at_hash good", mint: []tokentest.MintOption{tokentest.WithAccessTokenHash(accessToken)}, opts: []idtoken.Option{idtoken.WithAccessToken(accessToken)}, want: nil},
	{name: "at_hash of another token", mint: []tokentest.MintOption{tokentest.WithAccessTokenHash("other")}, opts: []idtoken.Option{idtoken.WithAccessToken(accessToken)}, want: token.ErrTokenHash},
	{name: "at_hash missing", opts: []idtoken.Option{idtoken.WithAccessToken(accessToken)}, want: token.ErrTokenHash},
	{name: "at_hash number", claims: tokentest.Claims{"at_hash": 1}, opts: []idtoken.Option{idtoken.WithAccessToken(accessToken)}, want: token.ErrInvalidClaim},
	{name: "at_hash expected empty", mint: []tokentest.MintOption{tokentest.WithAccessTokenHash("")}, opts: []idtoken.Option{idtoken.WithAccessToken("")}, want: token.ErrTokenHash},
	{name: "c_hash good", mint: []tokentest.MintOption{tokentest.WithCodeHash(authCode)}, opts: []idtoken.Option{idtoken.WithCode(authCode)}, want: nil},
	{name: "c_hash of another code", mint: []tokentest.MintOption{tokentest.WithCodeHash("other")}, opts: []idtoken.Option{idtoken.WithCode(authCode)}, want: token.ErrTokenHash},
	{name: "c_hash missing", opts: []idtoken.Option{idtoken.WithCode(authCode)}, want: token.ErrTokenHash},
	{name: "at_hash given for c_hash", mint: []tokentest.MintOption{tokentest.WithAccessTokenHash(authCode)}, opts: []idtoken.Option{idtoken.WithCode(authCode)}, want: token.ErrTokenHash},
	{name: "both hashes good", mint: []tokentest.MintOption{tokentest.WithAccessTokenHash(accessToken), tokentest.WithCodeHash(authCode)}, opts: []idtoken.Option{idtoken.WithAccessToken(accessToken), idtoken.WithCode(authCode)}, want: nil},

	// auth_time with max_age (rule 13)
	{name: "max_age satisfied", claims: tokentest.Claims{"auth_time": at(-5 * time.Minute)}, opts: []idtoken.Option{idtoken.WithMaxAge(10 * time.Minute)}, want: nil},
	{name: "max_age exceeded", claims: tokentest.Claims{"auth_time": at(-15 * time.Minute)}, opts: []idtoken.Option{idtoken.WithMaxAge(10 * time.Minute)}, want: token.ErrAuthTime},
	{name: "max_age within leeway", claims: tokentest.Claims{"auth_time": at(-10*time.Minute - 30*time.Second)}, opts: []idtoken.Option{idtoken.WithMaxAge(10 * time.Minute)}, want: nil},
	{name: "max_age zero, fresh login", opts: []idtoken.Option{idtoken.WithMaxAge(0)}, want: nil},
	{name: "max_age zero, older login", claims: tokentest.Claims{"auth_time": at(-5 * time.Minute)}, opts: []idtoken.Option{idtoken.WithMaxAge(0)}, want: token.ErrAuthTime},
	{name: "max_age negative is zero", claims: tokentest.Claims{"auth_time": at(-5 * time.Minute)}, opts: []idtoken.Option{idtoken.WithMaxAge(-time.Hour)}, want: token.ErrAuthTime},
	{name: "max_age auth_time missing", claims: tokentest.Claims{"auth_time": tokentest.Omit}, opts: []idtoken.Option{idtoken.WithMaxAge(time.Hour)}, want: token.ErrAuthTime},
	{name: "max_age auth_time in the future", claims: tokentest.Claims{"auth_time": at(time.Hour)}, opts: []idtoken.Option{idtoken.WithMaxAge(time.Hour)}, want: token.ErrAuthTime},
	{name: "auth_time string", claims: tokentest.Claims{"auth_time": "1717243200"}, want: token.ErrInvalidClaim},
	{name: "auth_time null", claims: tokentest.Claims{"auth_time": nil}, want: token.ErrInvalidClaim},

	// acr (rule 12)
	{name: "acr listed", claims: tokentest.Claims{"acr": "urn:mace:incommon:iap:silver"}, opts: []idtoken.Option{idtoken.WithACR("urn:mace:incommon:iap:bronze", "urn:mace:incommon:iap:silver")}, want: nil},
	{name: "acr not listed", claims: tokentest.Claims{"acr": "0"}, opts: []idtoken.Option{idtoken.WithACR("urn:mace:incommon:iap:silver")}, want: token.ErrACR},
	{name: "acr missing", opts: []idtoken.Option{idtoken.WithACR("urn:mace:incommon:iap:silver")}, want: token.ErrACR},
	{name: "acr no values", claims: tokentest.Claims{"acr": "0"}, opts: []idtoken.Option{idtoken.WithACR()}, want: token.ErrACR},
	{name: "acr number", claims: tokentest.Claims{"acr": 2}, want: token.ErrInvalidClaim},

	// token type: an access token or another JWT of the issuer
	{name: "typ at+jwt", mint: []tokentest.MintOption{tokentest.AtJWT()}, want: token.ErrTokenType},
	{name: "typ application/at+jwt", mint: []tokentest.MintOption{tokentest.WithHeader("typ", "application/at+jwt")}, want: token.ErrTokenType},
	{name: "typ AT+JWT", mint: []tokentest.MintOption{tokentest.WithHeader("typ", "AT+JWT")}, want: token.ErrTokenType},
	{name: "typ Application/At+Jwt", mint: []tokentest.MintOption{tokentest.WithHeader("typ", "Application/At+Jwt")}, want: token.ErrTokenType},
	{name: "typ logout+jwt", mint: []tokentest.MintOption{tokentest.WithHeader("typ", "logout+jwt")}, want: token.ErrTokenType},
	{name: "typ secevent+jwt", mint: []tokentest.MintOption{tokentest.WithHeader("typ", "secevent+jwt")}, want: token.ErrTokenType},
	{name: "typ absent", mint: []tokentest.MintOption{tokentest.WithHeader("typ", tokentest.Omit)}, want: nil},
	{name: "typ jwt lower case", mint: []tokentest.MintOption{tokentest.WithHeader("typ", "jwt")}, want: nil},
	{name: "claim client_id", claims: tokentest.Claims{"client_id": tokentest.DefaultClientID}, want: token.ErrTokenType},
	{name: "claim scp", claims: tokentest.Claims{"scp": "User.Read"}, want: token.ErrTokenType},
	{name: "claim token_use access", claims: tokentest.Claims{"token_use": "access"}, want: token.ErrTokenType},
	{name: "claim token_use id", claims: tokentest.Claims{"token_use": "id"}, want: nil},
	{name: "claim events", claims: tokentest.Claims{"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}}, want: token.ErrTokenType},
	{name: "claim typ Bearer", claims: tokentest.Claims{"typ": "Bearer"}, want: token.ErrTokenType},
	{name: "claim typ ID", claims: tokentest.Claims{"typ": "ID"}, want: nil},
	{name: "claim scope alone", claims: tokentest.Claims{"scope": "openid profile"}, want: nil},

	// typed claims of the wrong JSON type
	{name: "email_verified string", claims: tokentest.Claims{"email_verified": "true"}, want: token.ErrInvalidClaim},
	{name: "phone_number_verified string", claims: tokentest.Claims{"phone_number_verified": "yes"}, want: token.ErrInvalidClaim},
	{name: "email number", claims: tokentest.Claims{"email": 1}, want: token.ErrInvalidClaim},
	{name: "name object", claims: tokentest.Claims{"name": map[string]any{"first": "Jane"}}, want: token.ErrInvalidClaim},
	{name: "name null reads as absent", claims: tokentest.Claims{"name": nil, "email_verified": nil}, want: nil},
	{name: "amr string", claims: tokentest.Claims{"amr": 1}, want: token.ErrInvalidClaim},
	{name: "amr array of numbers", claims: tokentest.Claims{"amr": []int{1}}, want: token.ErrInvalidClaim},
	{name: "sid number", claims: tokentest.Claims{"sid": 1}, want: token.ErrInvalidClaim},
	{name: "address string", claims: tokentest.Claims{"address": "1 Main St"}, want: token.ErrInvalidClaim},
	{name: "address member number", claims: tokentest.Claims{"address": map[string]any{"postal_code": 12345}}, want: token.ErrInvalidClaim},
	{name: "updated_at RFC 3339", claims: tokentest.Claims{"updated_at": "2024-05-01T12:34:56.789Z"}, want: nil},
	{name: "updated_at other string", claims: tokentest.Claims{"updated_at": "yesterday"}, want: token.ErrInvalidClaim},
	{name: "updated_at boolean", claims: tokentest.Claims{"updated_at": true}, want: token.ErrInvalidClaim},
}

// TestRules runs each rule twice on one validator: the second call of an
// accepted token is a cache hit, which must decide the same way.
func TestRules(t *testing.T) {
	f := newFixture(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			var raw string
			if r.raw != nil {
				raw = r.raw(f)
			} else {
				raw = f.iss.IDToken(r.claims, r.mint...)
			}
			v := f.validator(t, r.cfg)
			expect(t, v, raw, r.want, r.opts...)
			expect(t, v, raw, r.want, r.opts...)
		})
	}
}

// TestHS256NeedsListingAndSecret: an HMAC ID token (signed with the client
// secret) verifies only when HS256 is listed and the key source holds the
// secret as a symmetric key.
func TestHS256NeedsListingAndSecret(t *testing.T) {
	f := newFixture(t)
	secret := []byte("a client secret of at least thirty-two bytes")
	sym, err := token.NewSymmetricKey(token.KeyParams{ID: "client-secret", Algorithm: token.HS256}, secret)
	if err != nil {
		t.Fatal(err)
	}
	set, err := token.NewKeySet(append(f.iss.KeySet().Keys(), sym)...)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": f.iss.URL(), "sub": "u1", "aud": f.iss.ClientID(), "iat": at(0), "exp": at(time.Hour)}
	raw := signHMAC(t, map[string]any{"alg": "HS256", "kid": "client-secret"}, claims, secret)

	listed := f.validator(t, func(c *idtoken.Config) {
		c.Keys = jwks.Static(set)
		c.Algorithms = []string{"RS256", "HS256"}
	})
	expect(t, listed, raw, nil)

	notListed := f.validator(t, func(c *idtoken.Config) { c.Keys = jwks.Static(set) })
	expect(t, notListed, raw, token.ErrUnsupportedAlgorithm)

	noSecret := f.validator(t, func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "HS256"} })
	expect(t, noSecret, raw, token.ErrKeyNotFound)
}
