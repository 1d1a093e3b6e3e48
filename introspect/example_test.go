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
