package idtoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tokenguard/tokenguard/idtoken"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// dpopLogin is a login whose access token is bound to a fresh DPoP key, and
// the client configuration holding that key.
func (f *fixture) dpopLogin(t *testing.T) (login, *tokentest.DPoPKey) {
	t.Helper()
	l := f.login(t)
	key := f.iss.NewDPoPKey(token.ES256)
	l.at = f.iss.DPoPAccessToken(key, tokentest.Claims{"scope": "openid profile email"})
	return l, key
}

func withDPoP(k *tokentest.DPoPKey) func(*idtoken.UserInfoConfig) {
	return func(c *idtoken.UserInfoConfig) {
		c.DPoP = &idtoken.DPoPKey{Signer: k.Signer(), Algorithm: k.Algorithm()}
	}
}

func refusalOf(t *testing.T, err error) *idtoken.UserInfoRefusal {
	t.Helper()
	var r *idtoken.UserInfoRefusal
	if !errors.As(err, &r) {
		t.Fatalf("error %v carries no *UserInfoRefusal", err)
	}
	return r
}

// RFC 9449 §7.1: a token bound to the client's key, presented with a proof
// of that key, is answered; each Fetch signs a new proof, which the
// endpoint's replay check would refuse if it repeated one.
func TestUserInfoDPoPBoundToken(t *testing.T) {
	f := newFixture(t)
	l, key := f.dpopLogin(t)
	c := f.userInfoClient(t, withDPoP(key))
	if got := c.DPoPThumbprint(); got != key.Thumbprint() {
		t.Fatalf("DPoPThumbprint = %q; want the key's %q", got, key.Thumbprint())
	}
	for n := 1; n <= 3; n++ {
		info := expectUserInfo(t, c, l, nil)
		if info.Subject != l.id.Subject {
			t.Fatalf("Subject = %q; want %q", info.Subject, l.id.Subject)
		}
		if got := f.iss.UserInfoRequests(); got != n {
			t.Fatalf("%d requests after %d fetches", got, n)
		}
	}
}

// RFC 9449 §7.2: a bound token sent as a bearer token is refused.
func TestUserInfoDPoPBoundTokenWithoutDPoPRefused(t *testing.T) {
	f := newFixture(t)
	l, _ := f.dpopLogin(t)
	c := f.userInfoClient(t, nil)
	_, err := c.Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrTokenRefused, l.at)
	if r := refusalOf(t, err); r.StatusCode != http.StatusUnauthorized || r.Code != "invalid_token" {
		t.Fatalf("refusal = %+v; want 401 invalid_token", r)
	}
}

// A proof signed by another key than the token's binding is refused.
func TestUserInfoDPoPWrongKeyRefused(t *testing.T) {
	f := newFixture(t)
	l, _ := f.dpopLogin(t)
	other := f.iss.NewDPoPKey(token.ES256)
	c := f.userInfoClient(t, withDPoP(other))
	_, err := c.Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrTokenRefused, l.at)
	if r := refusalOf(t, err); r.Code != "invalid_token" {
		t.Fatalf("refusal = %+v; want invalid_token", r)
	}
}

// An unbound token is still sent as a bearer token by a client without
// DPoP, and a client with DPoP presenting an unbound token is refused by a
// server that checks binding.
func TestUserInfoDPoPUnboundToken(t *testing.T) {
	f := newFixture(t)
	l := f.login(t)
	expectUserInfo(t, f.userInfoClient(t, nil), l, nil)
	_, err := f.userInfoClient(t, withDPoP(f.iss.NewDPoPKey(token.ES256))).Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrTokenRefused, l.at)
}

// RFC 9449 §9: use_dpop_nonce is answered by exactly one retry carrying the
// nonce, which the client remembers for its next Fetches until the server
// rotates it.
func TestUserInfoDPoPNonceRetriedOnceAndRemembered(t *testing.T) {
	f := newFixture(t)
	l, key := f.dpopLogin(t)
	c := f.userInfoClient(t, withDPoP(key))
	f.iss.RequireUserInfoDPoPNonce("nonce-1")
	expectUserInfo(t, c, l, nil)
	if got := f.iss.UserInfoRequests(); got != 2 {
		t.Fatalf("%d requests for the first Fetch; want 2 (the refusal asking for a nonce, the retry)", got)
	}
	expectUserInfo(t, c, l, nil)
	if got := f.iss.UserInfoRequests(); got != 3 {
		t.Fatalf("%d requests after the second Fetch; want 3: the nonce was remembered", got)
	}
	f.iss.RequireUserInfoDPoPNonce("nonce-2")
	expectUserInfo(t, c, l, nil)
	if got := f.iss.UserInfoRequests(); got != 5 {
		t.Fatalf("%d requests after the nonce rotated; want 5", got)
	}
}

// A server that asks for a nonce again after the retry gets no third
// request: the token was not accepted.
func TestUserInfoDPoPSecondNonceChallengeRefused(t *testing.T) {
	f := newFixture(t)
	l, key := f.dpopLogin(t)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="need a nonce"`)
		w.Header().Set("DPoP-Nonce", fmt.Sprintf("nonce-%d", n))
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	c := f.userInfoClient(t, func(cfg *idtoken.UserInfoConfig) {
		cfg.Endpoint = srv.URL
		withDPoP(key)(cfg)
	})
	_, err := c.Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrTokenRefused, l.at)
	if got := requests.Load(); got != 2 {
		t.Fatalf("%d requests; want exactly 2", got)
	}
	if r := refusalOf(t, err); r.Code != "use_dpop_nonce" {
		t.Fatalf("refusal = %+v; want use_dpop_nonce", r)
	}
	// A use_dpop_nonce without a nonce to use is not retried either.
	requests.Store(0)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	_, err = c.Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrTokenRefused, l.at)
	if got := requests.Load(); got != 1 {
		t.Fatalf("%d requests without a DPoP-Nonce; want 1", got)
	}
}

// decodeJWT returns the decoded header and claims of a compact JWS.
func decodeJWT(t *testing.T, raw string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("proof %q is not a compact JWS", raw)
	}
	var out [2]map[string]any
	for i := range out {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1]
}

// What the client sends (RFC 9449 §4.2, §7.1): Authorization: DPoP and one
// DPoP header whose proof has typ dpop+jwt, the key's alg and public jwk, a
// new jti each time, htm GET, htu without the endpoint's query, ath of the
// token, and the nonce a 200 answer gave.
func TestUserInfoDPoPProofContents(t *testing.T) {
	f := newFixture(t)
	l, key := f.dpopLogin(t)
	var mu sync.Mutex
	var proofs []string
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "DPoP "+l.at {
			t.Errorf("Authorization scheme = %q; want DPoP", strings.SplitN(got, " ", 2)[0])
		}
		if n := len(r.Header.Values("DPoP")); n != 1 {
			t.Errorf("%d DPoP headers; want 1", n)
		}
		mu.Lock()
		proofs = append(proofs, r.Header.Get("DPoP"))
		mu.Unlock()
		w.Header().Set("DPoP-Nonce", "from-200")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"sub":%q}`, l.id.Subject)
	}))
	t.Cleanup(srv.Close)
	srvURL = srv.URL + "/userinfo"
	c := f.userInfoClient(t, func(cfg *idtoken.UserInfoConfig) {
		cfg.Endpoint = srvURL + "?schema=openid"
		withDPoP(key)(cfg)
	})
	expectUserInfo(t, c, l, nil)
	expectUserInfo(t, c, l, nil)
	if len(proofs) != 2 {
		t.Fatalf("%d proofs; want 2", len(proofs))
	}
	sum := sha256.Sum256([]byte(l.at))
	jtis := map[any]bool{}
	for n, p := range proofs {
		h, claims := decodeJWT(t, p)
		if h["typ"] != "dpop+jwt" || h["alg"] != "ES256" {
			t.Errorf("proof %d header = %v", n, h)
		}
		jwk, _ := h["jwk"].(map[string]any)
		if jwk == nil || jwk["d"] != nil || jwk["x"] == nil {
			t.Errorf("proof %d jwk = %v; want the public key alone", n, h["jwk"])
		}
		if claims["htm"] != "GET" || claims["htu"] != srvURL {
			t.Errorf("proof %d htm, htu = %v, %v; want GET, %s", n, claims["htm"], claims["htu"], srvURL)
		}
		if claims["ath"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
			t.Errorf("proof %d ath = %v; not the token's hash", n, claims["ath"])
		}
		if iat, _ := claims["iat"].(float64); int64(iat) != f.clock.Now().Unix() {
			t.Errorf("proof %d iat = %v; want the client's now", n, claims["iat"])
		}
		if jti, _ := claims["jti"].(string); len(jti) < 16 || jtis[jti] {
			t.Errorf("proof %d jti = %v; want a new random one", n, claims["jti"])
		}
		jtis[claims["jti"]] = true
		if want := []any{nil, "from-200"}[n]; claims["nonce"] != want {
			t.Errorf("proof %d nonce = %v; want %v", n, claims["nonce"], want)
		}
	}
}

func TestNewUserInfoClientDPoPKey(t *testing.T) {
	f := newFixture(t)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]*idtoken.DPoPKey{
		"no signer":                {Algorithm: "ES256"},
		"symmetric algorithm":      {Signer: p256, Algorithm: "HS256"},
		"none":                     {Signer: p256, Algorithm: "none"},
		"algorithm of another key": {Signer: p256, Algorithm: "RS256"},
		"curve of another size":    {Signer: p256, Algorithm: "ES384"},
	} {
		cfg := idtoken.UserInfoConfig{Endpoint: f.iss.UserInfoURL(), Issuer: f.iss.URL(), ClientID: f.iss.ClientID(), Keys: f.iss.KeySource(), DPoP: k}
		if _, err := idtoken.NewUserInfoClient(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// An empty Algorithm means ES256.
	c := f.userInfoClient(t, func(cfg *idtoken.UserInfoConfig) { cfg.DPoP = &idtoken.DPoPKey{Signer: p256} })
	if c.DPoPThumbprint() == "" {
		t.Fatal("no thumbprint for an ES256 key")
	}
	if f.userInfoClient(t, nil).DPoPThumbprint() != "" {
		t.Fatal("a bearer client has a DPoP thumbprint")
	}
}

// A DPoP-Nonce that is not a nonce (RFC 9449 §8.1: printable ASCII but '"'
// and '\') is neither remembered nor retried with.
func TestUserInfoDPoPUnusableNonceNotRetried(t *testing.T) {
	f := newFixture(t)
	l, key := f.dpopLogin(t)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
		w.Header().Set("DPoP-Nonce", `bad"nonce`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	c := f.userInfoClient(t, func(cfg *idtoken.UserInfoConfig) {
		cfg.Endpoint = srv.URL
		withDPoP(key)(cfg)
	})
	_, err := c.Fetch(context.Background(), l.at, l.id)
	checkOutcome(t, err, false, token.ErrTokenRefused, l.at)
	if got := requests.Load(); got != 1 {
		t.Fatalf("%d requests; want 1", got)
	}
}

// Concurrent Fetches share the remembered nonce safely, each with its own
// proof (the endpoint refuses a jti used twice).
func TestUserInfoDPoPConcurrent(t *testing.T) {
	f := newFixture(t)
	l, key := f.dpopLogin(t)
	c := f.userInfoClient(t, withDPoP(key))
	f.iss.RequireUserInfoDPoPNonce("shared-nonce")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Fetch(context.Background(), l.at, l.id)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.iss.UserInfoRequests(); got < 9 || got > 16 {
		t.Fatalf("%d requests for 8 fetches; want 8 plus one retry for each that had no nonce yet", got)
	}
}
