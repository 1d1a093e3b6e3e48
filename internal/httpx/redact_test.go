package httpx

import (
	"net/url"
	"testing"
)

func TestRedact(t *testing.T) {
	for raw, want := range map[string]string{
		"https://issuer.example/jwks":                  "https://issuer.example/jwks",
		"https://issuer.example/jwks?api_key=s3cret":   "https://issuer.example/jwks?...",
		"https://u:p@issuer.example:8443/a/b?x=1#frag": "https://issuer.example:8443/a/b?...",
		"http://127.0.0.1:8080":                        "http://127.0.0.1:8080",
		"https://issuer.example/introspect?":           "https://issuer.example/introspect",
		"https://issuer.example/p#access_token=s3cret": "https://issuer.example/p",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := Redact(u); got != want {
			t.Errorf("Redact(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := Redact(nil); got != "" {
		t.Errorf("Redact(nil) = %q, want empty", got)
	}
}
