package introspect_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/tokenguard/tokenguard/introspect"
	"github.com/tokenguard/tokenguard/token"
)

// A client for an introspection endpoint, here a loopback stand-in for the
// authorization server.
func ExampleNewClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		if id != "my-api" || secret != "api-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("token") != "2YotnFZFEjr1zCsicMWpAA" {
			io.WriteString(w, `{"active":false}`)
			return
		}
		io.WriteString(w, `{"active":true,"scope":"read:appointments openid","sub":"user-42","exp":1900000000}`)
	}))
	defer srv.Close()

	client, err := introspect.NewClient(introspect.Config{
		Endpoint:     srv.URL + "/oauth/introspect", // from discovery's introspection_endpoint
		ClientID:     "my-api",
		ClientSecret: "api-secret",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close() // closes its kept-alive connections
	ctx := context.Background()

	r, err := client.Introspect(ctx, "2YotnFZFEjr1zCsicMWpAA")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Active, r.Subject, r.Scopes(), r.ExpiresAt.Year())

	r, _ = client.Introspect(ctx, "revoked-or-unknown")
	fmt.Println(r.Active)
	// Output:
	// true user-42 [read:appointments openid] 2030
	// false
}

// A cache in front of an introspector: the second request for a token is
// answered from memory.
func ExampleNewCache() {
	calls := 0
	upstream := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		calls++
		return &introspect.Response{Active: tok == "good-token", Scope: "read"}, nil
	})
	cache := introspect.NewCache(upstream, introspect.CacheOptions{})

	ctx := context.Background()
	for range 3 {
		r, _ := cache.Introspect(ctx, "good-token")
		fmt.Println(r.Active, r.HasScope("read"))
	}
	fmt.Println("upstream calls:", calls)
	// Output:
	// true true
	// true true
	// true true
	// upstream calls: 1
}

// When the application learns of a revocation (a logout, a revocation
// event), Forget drops the cached answer so the next request asks again.
func ExampleCache_Forget() {
	revoked := false
	upstream := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		return &introspect.Response{Active: !revoked, Subject: "user-42"}, nil
	})
	cache := introspect.NewCache(upstream, introspect.CacheOptions{})
	ctx := context.Background()

	r, _ := cache.Introspect(ctx, "session-token")
	fmt.Println("before logout:", r.Active)
	revoked = true // the user logs out; the authorization server revokes the token
	r, _ = cache.Introspect(ctx, "session-token")
	fmt.Println("cached:", r.Active)
	if err := cache.Forget(ctx, "session-token"); err != nil {
		fmt.Println(err) // only a shared Store can fail; the default one cannot
		return
	}
	r, _ = cache.Introspect(ctx, "session-token")
	fmt.Println("after Forget:", r.Active)
	// Output:
	// before logout: true
	// cached: true
	// after Forget: false
}

// Inactive answers have a budget of their own, so a flood of made-up tokens
// cannot push out the answers for real ones.
func ExampleMemoryStore() {
	store := introspect.NewMemoryStore(introspect.MemoryStoreOptions{MaxEntries: 100, MaxInactiveEntries: 100})
	calls := 0
	upstream := introspect.IntrospectorFunc(func(ctx context.Context, tok string) (*introspect.Response, error) {
		calls++
		return &introspect.Response{Active: tok == "real-token"}, nil
	})
	cache := introspect.NewCache(upstream, introspect.CacheOptions{Store: store})
	ctx := context.Background()

	cache.Introspect(ctx, "real-token")
	for i := range 10_000 {
		cache.Introspect(ctx, fmt.Sprint("made-up-", i))
	}
	active, inactive := store.Len()
	fmt.Println("active:", active, "inactive:", inactive)

	calls = 0
	r, _ := cache.Introspect(ctx, "real-token")
	fmt.Println(r.Active, "upstream calls:", calls)
	// Output:
	// active: 1 inactive: 100
	// true upstream calls: 0
}

// When the authorization server rejects the resource server's own
// credentials, the error matches token.ErrUnavailable (answer 503), not a
// token failure (401).
func ExampleClient_Introspect_unavailable() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_client"}`)
	}))
	defer srv.Close()

	client, _ := introspect.NewClient(introspect.Config{Endpoint: srv.URL, ClientID: "my-api", ClientSecret: "wrong"})
	_, err := client.Introspect(context.Background(), "2YotnFZFEjr1zCsicMWpAA")
	fmt.Println(errors.Is(err, token.ErrUnavailable))
	fmt.Println(errors.Is(err, token.ErrInactive))
	// Output:
	// true
	// false
}

// Only the JSON boolean true makes a token active.
func ExampleParseResponse() {
	for _, body := range []string{
		`{"active":true,"aud":["https://api.example.com","https://other.example.com"]}`,
		`{"active":"true"}`,
		`{"active":1}`,
		`{"active":true,"active":false}`,
	} {
		r, err := introspect.ParseResponse([]byte(body))
		switch {
		case err != nil:
			fmt.Println("unusable answer:", errors.Is(err, token.ErrUnavailable))
		default:
			fmt.Println(r.Active, r.Audience)
		}
	}
	// Output:
	// true [https://api.example.com https://other.example.com]
	// false []
	// false []
	// unusable answer: true
}
