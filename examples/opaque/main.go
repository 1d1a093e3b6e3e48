// Command opaque is an API that accepts opaque access tokens: strings only
// the issuer can resolve, through token introspection (RFC 7662). It wraps
// the introspection client in a cache, so a token seen again within its
// lifetime costs no request, and shows what the API answers for an active,
// a revoked, an unknown and a refresh token, for a cached token revoked by a
// logout the application hears of (Cache.Forget), and when the issuer is
// down.
//
//	go run ./examples/opaque
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "opaque:", err)
		os.Exit(1)
	}
}

// newValidator builds an access-token validator that resolves opaque tokens
// through iss's introspection endpoint, with a cache in front.
func newValidator(iss *tokentest.Issuer) (*accesstoken.Validator, *introspect.Client, *introspect.Cache, *introspect.MemoryStore, error) {
	client, err := introspect.NewClient(introspect.Config{
		Endpoint:     iss.IntrospectionURL(),
		ClientID:     iss.IntrospectionClientID(),
		ClientSecret: iss.IntrospectionClientSecret(),
		Timeout:      2 * time.Second,
	})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// The store is the default one, made here only to show what it holds;
	// a fleet of servers would share a store of its own instead.
	store := introspect.NewMemoryStore(introspect.MemoryStoreOptions{
		MaxEntries:         10_000, // active answers
		MaxInactiveEntries: 10_000, // inactive ones, which cannot evict the active
	})
	cache := introspect.NewCache(client, introspect.CacheOptions{
		Store:       store,
		MaxTTL:      time.Minute, // how late a revocation may be noticed
		NegativeTTL: 10 * time.Second,
	})
	v, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Introspector: cache,
	})
	return v, client, cache, store, err
}

func run(ctx context.Context, w io.Writer) error {
	iss, err := tokentest.Start()
	if err != nil {
		return err
	}
	defer iss.Close()
	v, client, cache, store, err := newValidator(iss)
	if err != nil {
		return err
	}
	defer client.Close()
	mw := middleware.New(v, middleware.Options{Realm: "reports"})
	api := httptest.NewServer(mw.Require("read:reports")(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		fmt.Fprintf(rw, "reports for %s\n", at.Subject)
	})))
	defer api.Close()

	call := func(tok string) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.URL, nil)
		if err != nil {
			return 0, "", err
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := api.Client().Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), nil
	}

	good := iss.OpaqueToken(tokentest.Claims{"scope": "read:reports"})
	revoked := iss.OpaqueToken(tokentest.Claims{"scope": "read:reports"})
	iss.Revoke(revoked)
	narrow := iss.OpaqueToken(tokentest.Claims{"scope": "read:profile"})
	refresh := iss.RefreshToken(nil)

	steps := []struct {
		what string
		tok  string
		want int
	}{
		{"active token", good, 200},
		{"same token again (from the cache)", good, 200},
		{"revoked token", revoked, 401},
		{"token without read:reports", narrow, 403},
		{"refresh token presented as access token", refresh, 401},
		{"made-up token", "this-is-not-a-token", 401},
	}
	for _, s := range steps {
		status, challenge, err := call(s.tok)
		if err != nil {
			return err
		}
		if status != s.want {
			return fmt.Errorf("%s: got %d, want %d (%s)", s.what, status, s.want, challenge)
		}
		fmt.Fprintf(w, "%-42s %d %s\n", s.what, status, shorten(challenge))
	}
	active, inactive := store.Len()
	fmt.Fprintf(w, "introspection requests so far: %d for %d calls (cache holds %d active and %d inactive answers)\n",
		iss.IntrospectionRequests(), len(steps), active, inactive)

	// A revocation the issuer makes is noticed when the cached answer
	// expires (MaxTTL); one the application hears of, such as a logout,
	// can end the cached answer at once.
	iss.Revoke(good)
	if err := expect(call, "revoked at the issuer, still cached", good, http.StatusOK, w); err != nil {
		return err
	}
	if err := cache.Forget(ctx, good); err != nil {
		return err
	}
	if err := expect(call, "after Cache.Forget", good, http.StatusUnauthorized, w); err != nil {
		return err
	}
	other := iss.OpaqueToken(tokentest.Claims{"scope": "read:reports"})
	if err := expect(call, "another active token", other, http.StatusOK, w); err != nil {
		return err
	}

	// When the issuer cannot answer, the API says "try later", not "bad token".
	iss.FailIntrospection(http.StatusInternalServerError)
	fresh := iss.OpaqueToken(tokentest.Claims{"scope": "read:reports"})
	status, _, err := call(fresh)
	if err != nil {
		return err
	}
	if status != http.StatusServiceUnavailable {
		return fmt.Errorf("introspection down: got %d, want 503", status)
	}
	fmt.Fprintf(w, "%-42s %d\n", "introspection endpoint down", status)
	return expect(call, "cached token while it is down", other, http.StatusOK, w)
}

// expect makes one call and reports it, failing unless it got want.
func expect(call func(string) (int, string, error), what, tok string, want int, w io.Writer) error {
	status, challenge, err := call(tok)
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s: got %d, want %d (%s)", what, status, want, challenge)
	}
	fmt.Fprintf(w, "%-42s %d %s\n", what, status, shorten(challenge))
	return nil
}

// shorten keeps a WWW-Authenticate value to one readable line.
func shorten(s string) string {
	if len(s) > 90 {
		return s[:87] + "..."
	}
	return strings.TrimSpace(s)
}
