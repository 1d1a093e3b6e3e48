package jwks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenguard/tokenguard/token"
)

// tenantServer is a multi-tenant provider shaped like Entra ID: the
// discovery document of tenant T is at /T/v2.0/.well-known/openid-configuration,
// names issuer <base>/T/v2.0 and jwks_uri <base>/T/keys; each tenant's keys
// carry the kid "shared" but are different keys.
type tenantServer struct {
	*httptest.Server
	discovery, keys atomic.Int64
	mu              sync.Mutex
	fail            bool
	release         chan struct{} // when not nil, discovery waits for it
	docs            [4][]byte     // the key documents, by tenantKey
}

func newTenantServer(t *testing.T) *tenantServer {
	t.Helper()
	s := &tenantServer{}
	for i := range s.docs {
		s.docs[i] = jwksDoc(t, ecJWK("shared", i))
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// tenantKey is the ES256 key index of the keyring tenant uses.
func tenantKey(tenant string) int { return int(tenant[len(tenant)-1]) % 4 }

func (s *tenantServer) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	s.mu.Lock()
	fail, release := s.fail, s.release
	s.mu.Unlock()
	switch {
	case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
		s.discovery.Add(1)
		if release != nil {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		doc, _ := json.Marshal(map[string]string{
			"issuer":   s.URL + "/" + parts[0] + "/v2.0",
			"jwks_uri": s.URL + "/" + parts[0] + "/keys",
		})
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	case len(parts) == 2 && parts[1] == "keys":
		s.keys.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.docs[tenantKey(parts[0])])
	default:
		http.NotFound(w, r)
	}
}

func (s *tenantServer) template() string { return s.URL + "/" + TenantPlaceholder + "/v2.0" }

func (s *tenantServer) issuer(tenant string) string { return s.URL + "/" + tenant + "/v2.0" }

func (s *tenantServer) requests() int64 { return s.discovery.Load() + s.keys.Load() }

// claims builds the claims of a token with iss and, when not "", tid.
func claims(t testing.TB, iss, tid string) *token.Claims {
	t.Helper()
	m := map[string]any{"iss": iss, "exp": 2_000_000_000}
	if tid != "" {
		m["tid"] = tid
	}
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	c, err := token.ParseClaims(raw)
	require.NoError(t, err)
	return c
}

const (
	tenantA = "6f1c7a3e-0b7d-4a51-9c2e-8d1f0a2b3c4a"
	tenantB = "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"
	tenantC = "93a1b2c3-d4e5-4f60-8172-8394a5b6c7dc"
)

func newIssuers(t *testing.T, cfg IssuersConfig) *Issuers {
	t.Helper()
	s, err := NewIssuers(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestIssuersRefuseMadeUpIssuersWithoutARequest(t *testing.T) {
	srv := newTenantServer(t)
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA, tenantB}})
	resolver := newIssuers(t, IssuersConfig{Resolve: func(iss string) (string, bool) { return "", iss == srv.issuer(tenantA) }})
	ctx := context.Background()
	for i := range 10_000 {
		var iss string
		switch i % 5 {
		case 0: // a tenant nobody allowed, on the right host
			iss = srv.issuer(fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i))
		case 1: // another host
			iss = fmt.Sprintf("https://attacker-%d.example/%s/v2.0", i, tenantA)
		case 2: // the template's shape with a path for a tenant
			iss = srv.URL + "/" + tenantA + "/x" + fmt.Sprint(i) + "/v2.0"
		case 3: // a trusted tenant with something appended
			iss = srv.issuer(tenantA) + fmt.Sprintf("/%d", i)
		case 4: // the template itself, and case variants
			iss = strings.ToUpper(srv.issuer(tenantA)) + fmt.Sprint(i)
		}
		_, err := s.IssuerKeys(ctx, claims(t, iss, tenantA))
		require.ErrorIs(t, err, token.ErrIssuer, iss)
		_, err = resolver.IssuerKeys(ctx, claims(t, iss, tenantA))
		require.ErrorIs(t, err, token.ErrIssuer, iss)
	}
	require.Zero(t, srv.requests(), "no made-up issuer may cause a request")
	require.Zero(t, s.Len())
}

func TestIssuersTemplateChecksTid(t *testing.T) {
	srv := newTenantServer(t)
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA, tenantB}})
	ctx := context.Background()

	_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantB))
	require.ErrorIs(t, err, token.ErrIssuer, "tid of another (trusted) tenant")
	_, err = s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), ""))
	require.ErrorIs(t, err, token.ErrMissingClaim)
	raw, _ := json.Marshal(map[string]any{"iss": srv.issuer(tenantA), "tid": 7})
	c, err := token.ParseClaims(raw)
	require.NoError(t, err)
	_, err = s.IssuerKeys(ctx, c)
	require.ErrorIs(t, err, token.ErrInvalidClaim)
	require.Zero(t, srv.requests(), "a token refused by its claims costs no request")

	keys, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
	require.NoError(t, err)
	set, err := keys.Keys(ctx, "shared")
	require.NoError(t, err)
	require.Equal(t, 1, set.Len())
	require.EqualValues(t, 1, srv.discovery.Load())
	require.EqualValues(t, 1, srv.keys.Load())
}

func TestIssuersKeepEachIssuersKeysApart(t *testing.T) {
	srv := newTenantServer(t)
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA, tenantB}})
	ctx := context.Background()
	ka, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
	require.NoError(t, err)
	kb, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantB), tenantB))
	require.NoError(t, err)
	sa, err := ka.Keys(ctx, "shared")
	require.NoError(t, err)
	sb, err := kb.Keys(ctx, "shared")
	require.NoError(t, err)
	require.False(t, sa.Keys()[0].Equal(sb.Keys()[0]), "the same kid names a different key at each tenant")
	require.Equal(t, 2, s.Len())
}

func TestIssuersShareCreation(t *testing.T) {
	srv := newTenantServer(t)
	release := make(chan struct{})
	srv.release = release
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA}})
	const n = 50
	got := make(chan token.KeySource, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			k, err := s.IssuerKeys(context.Background(), claims(t, srv.issuer(tenantA), tenantA))
			got <- k
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return srv.discovery.Load() == 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // let the others queue behind it
	close(release)
	var first token.KeySource
	for range n {
		require.NoError(t, <-errs)
		k := <-got
		if first == nil {
			first = k
		}
		require.Same(t, first, k)
	}
	require.EqualValues(t, 1, srv.discovery.Load(), "one discovery for all first requests")
	require.EqualValues(t, 1, srv.keys.Load())
}

func TestIssuersWaiterGivesUpWithItsContext(t *testing.T) {
	srv := newTenantServer(t)
	release := make(chan struct{})
	srv.release = release
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
	require.ErrorIs(t, err, token.ErrUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	// The creation went on for the next caller.
	k, err := s.IssuerKeys(context.Background(), claims(t, srv.issuer(tenantA), tenantA))
	require.NoError(t, err)
	require.NotNil(t, k)
	require.EqualValues(t, 1, srv.discovery.Load())
}

func TestIssuersEvictLeastRecentlyUsed(t *testing.T) {
	srv := newTenantServer(t)
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA, tenantB, tenantC}, MaxSources: 2})
	ctx := context.Background()
	get := func(tenant string) *Remote {
		k, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenant), tenant))
		require.NoError(t, err)
		return k.(*Remote)
	}
	a := get(tenantA)
	b := get(tenantB)
	require.Same(t, a, get(tenantA), "A is now the most recently used")
	c := get(tenantC) // evicts B
	require.Equal(t, 2, s.Len())
	require.Error(t, b.ctx.Err(), "the evicted Remote is closed")
	require.NoError(t, a.ctx.Err())
	require.NoError(t, c.ctx.Err())
	require.EqualValues(t, 3, srv.discovery.Load())

	b2 := get(tenantB) // made again; evicts A
	require.NotSame(t, b, b2)
	require.Error(t, a.ctx.Err())
	require.EqualValues(t, 4, srv.discovery.Load())
}

func TestIssuersCloseLeavesNoGoroutine(t *testing.T) {
	srv := newTenantServer(t)
	// newIssuers closes it again when the test ends, so that a failure
	// here does not leave goroutines behind for the next tests to count.
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA, tenantB, tenantC}})
	ctx := context.Background()
	for _, tenant := range []string{tenantA, tenantB, tenantC} {
		_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenant), tenant))
		require.NoError(t, err)
	}
	// A creating goroutine wakes its waiters before it returns, so it may
	// still be there for a moment: wait for it to end.
	var left []string
	require.Eventually(t, func() bool {
		left = ourGoroutines()
		return len(left) == 3
	}, 5*time.Second, time.Millisecond, "one refresh loop per tenant and nothing else")
	for _, g := range left {
		// The refresh loop, started or not yet.
		require.Contains(t, g, "created by github.com/tokenguard/tokenguard/jwks.start")
	}

	// A creation in progress is ended by Close too.
	release := make(chan struct{})
	defer close(release)
	srv.mu.Lock()
	srv.release = release
	srv.mu.Unlock()
	s2 := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA}})
	waiting := make(chan error, 1)
	go func() {
		_, err := s2.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
		waiting <- err
	}()
	require.Eventually(t, func() bool { return srv.discovery.Load() == 4 }, 5*time.Second, time.Millisecond)

	require.NoError(t, s.Close())
	require.NoError(t, s2.Close())
	require.ErrorIs(t, <-waiting, token.ErrUnavailable)
	requireNoGoroutines(t)

	_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
	require.ErrorIs(t, err, token.ErrUnavailable, "after Close")
	require.NoError(t, s.Close(), "a second Close does nothing")
}

func TestIssuersRememberAFailureForTheCooldown(t *testing.T) {
	srv := newTenantServer(t)
	srv.fail = true
	clock := newFakeClock()
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA},
		Options: clock.options(Options{RefetchCooldown: time.Minute})})
	ctx := context.Background()
	for range 20 {
		_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
		require.ErrorIs(t, err, token.ErrUnavailable)
	}
	// Both discovery locations were tried once.
	require.EqualValues(t, 1, srv.discovery.Load())

	srv.mu.Lock()
	srv.fail = false
	srv.mu.Unlock()
	clock.Advance(time.Minute)
	_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
	require.NoError(t, err)
	require.EqualValues(t, 2, srv.discovery.Load())
}

func TestIssuersSharedKeysAnyTenant(t *testing.T) {
	srv := newTenantServer(t)
	shared := Static(nil)
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template(), "https://sts.example.net/" + TenantPlaceholder + "/"}, AnyTenant: true, Keys: shared})
	ctx := context.Background()
	for i := range 1000 {
		tenant := fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i)
		k, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenant), tenant))
		require.NoError(t, err)
		require.Same(t, shared, k)
		k, err = s.IssuerKeys(ctx, claims(t, "https://sts.example.net/"+tenant+"/", tenant))
		require.NoError(t, err)
		require.Same(t, shared, k)
	}
	_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantB))
	require.ErrorIs(t, err, token.ErrIssuer, "any tenant, but tid must still be the issuer's")
	require.Zero(t, srv.requests())
	require.Zero(t, s.Len())
}

func TestIssuersResolver(t *testing.T) {
	srv := newTenantServer(t)
	direct := newJWKSServer(t, jwksDoc(t, ecJWK("k1", 0)))
	s := newIssuers(t, IssuersConfig{Resolve: func(iss string) (string, bool) {
		switch iss {
		case srv.issuer(tenantA):
			return "", true // discovery
		case "https://pinned.example/":
			return direct.URL, true
		case "https://bad.example/":
			return "http://keys.bad.example/", true // plain http: refused
		}
		return "", false
	}})
	ctx := context.Background()
	_, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), ""))
	require.NoError(t, err, "a resolver does not ask for tid")
	require.EqualValues(t, 1, srv.discovery.Load())

	k, err := s.IssuerKeys(ctx, claims(t, "https://pinned.example/", ""))
	require.NoError(t, err)
	_, err = k.Keys(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, 1, direct.count())

	_, err = s.IssuerKeys(ctx, claims(t, "https://bad.example/", ""))
	require.ErrorIs(t, err, token.ErrUnavailable)
	require.ErrorIs(t, err, ErrURL)

	_, err = s.IssuerKeys(ctx, claims(t, "https://unknown.example/", ""))
	require.ErrorIs(t, err, token.ErrIssuer)
}

func TestNewIssuersRefusesBadConfig(t *testing.T) {
	tpl := "https://login.example.com/" + TenantPlaceholder + "/v2.0"
	for name, cfg := range map[string]IssuersConfig{
		"nothing":                 {},
		"both":                    {Templates: []string{tpl}, Tenants: []string{tenantA}, Resolve: func(string) (string, bool) { return "", false }},
		"no tenants":              {Templates: []string{tpl}},
		"any tenant without keys": {Templates: []string{tpl}, AnyTenant: true},
		"any tenant and tenants":  {Templates: []string{tpl}, AnyTenant: true, Tenants: []string{tenantA}, Keys: Static(nil)},
		"tenants, no template":    {Resolve: func(string) (string, bool) { return "", false }, Tenants: []string{tenantA}},
		"no placeholder":          {Templates: []string{"https://login.example.com/common/v2.0"}, Tenants: []string{tenantA}},
		"two placeholders":        {Templates: []string{tpl + "/" + TenantPlaceholder}, Tenants: []string{tenantA}},
		"placeholder in host":     {Templates: []string{"https://" + TenantPlaceholder + ".example.com/"}, Tenants: []string{tenantA}},
		"placeholder in segment":  {Templates: []string{"https://login.example.com/t-" + TenantPlaceholder + "/"}, Tenants: []string{tenantA}},
		"plain http":              {Templates: []string{"http://login.example.com/" + TenantPlaceholder + "/"}, Tenants: []string{tenantA}},
		"bad tenant":              {Templates: []string{tpl}, Tenants: []string{"a/b"}},
		"negative max":            {Templates: []string{tpl}, Tenants: []string{tenantA}, MaxSources: -1},
		"bad options":             {Templates: []string{tpl}, Tenants: []string{tenantA}, Options: Options{Timeout: -1}},
	} {
		_, err := NewIssuers(cfg)
		require.Error(t, err, name)
	}
}

func TestIssuersNilClaims(t *testing.T) {
	s := newIssuers(t, IssuersConfig{Resolve: func(string) (string, bool) { return "", true }})
	_, err := s.IssuerKeys(context.Background(), nil)
	require.ErrorIs(t, err, token.ErrMissingClaim)
}

func TestIssuersZeroValue(t *testing.T) {
	var s Issuers
	_, err := s.IssuerKeys(context.Background(), claims(t, "https://x.example/", ""))
	require.True(t, errors.Is(err, token.ErrUnavailable))
	require.NoError(t, s.Close())
	require.Zero(t, s.Len())
}

// KeysForIssuer answers by the issuer's name what IssuerKeys answers for a
// token of that issuer it accepts: the same key source, and the same
// refusals for issuers it does not trust, without a request.
func TestIssuersKeysForIssuer(t *testing.T) {
	var _ token.IssuerNameKeySource = (*Issuers)(nil)
	srv := newTenantServer(t)
	ctx := context.Background()
	s := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, Tenants: []string{tenantA, tenantB}})
	byName, err := s.KeysForIssuer(ctx, srv.issuer(tenantA))
	require.NoError(t, err)
	byClaims, err := s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantA))
	require.NoError(t, err)
	require.Same(t, byClaims, byName, "one key source per issuer, however it is asked for")
	require.EqualValues(t, 1, srv.discovery.Load())

	for _, iss := range []string{srv.issuer(tenantC), "https://attacker.example/" + tenantA + "/v2.0", srv.issuer(tenantA) + "/x"} {
		_, err := s.KeysForIssuer(ctx, iss)
		require.ErrorIs(t, err, token.ErrIssuer, iss)
	}
	require.EqualValues(t, 1, srv.discovery.Load(), "an issuer not trusted costs no request")
	// The name alone does not vouch for a token's tid: IssuerKeys still
	// refuses the token of tenant A that names tenant B.
	_, err = s.IssuerKeys(ctx, claims(t, srv.issuer(tenantA), tenantB))
	require.ErrorIs(t, err, token.ErrIssuer)

	shared := Static(nil)
	anyTenant := newIssuers(t, IssuersConfig{Templates: []string{srv.template()}, AnyTenant: true, Keys: shared})
	k, err := anyTenant.KeysForIssuer(ctx, srv.issuer(tenantC))
	require.NoError(t, err)
	require.Same(t, shared, k)

	resolver := newIssuers(t, IssuersConfig{Resolve: func(iss string) (string, bool) { return "", iss == srv.issuer(tenantB) }})
	_, err = resolver.KeysForIssuer(ctx, srv.issuer(tenantA))
	require.ErrorIs(t, err, token.ErrIssuer)
	_, err = resolver.KeysForIssuer(ctx, srv.issuer(tenantB))
	require.NoError(t, err)

	var zero Issuers
	_, err = zero.KeysForIssuer(ctx, srv.issuer(tenantA))
	require.ErrorIs(t, err, token.ErrUnavailable)
}
