package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// discard is a ResponseWriter that keeps nothing but its header map, so
// the benchmarks measure the middleware and not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

const benchRaw = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTEiLCJzY29wZSI6InJlYWQ6YXBwb2ludG1lbnRzIn0.c2lnbmF0dXJl"

var (
	benchToken = &accesstoken.Token{Subject: "user-1", Scopes: []string{"openid", "profile", "read:appointments"}}
	// fixedValidator stands for a validator whose own cost is not measured.
	fixedValidator = middleware.ValidatorFunc(func(context.Context, string) (*accesstoken.Token, error) {
		return benchToken, nil
	})
	noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
)

func benchRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/appointments", nil)
	r.Header.Set("Authorization", "Bearer "+benchRaw)
	return r
}

// BenchmarkValidatorOnly is the baseline: the validator and the handler
// called directly, as if the middleware cost nothing.
func BenchmarkValidatorOnly(b *testing.B) {
	r, w := benchRequest(), &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		tok, err := fixedValidator.Validate(r.Context(), benchRaw)
		if err != nil || !tok.HasScope("read:appointments") {
			b.Fatal("refused")
		}
		noop.ServeHTTP(w, r)
	}
}

// BenchmarkMiddleware is the same work through Require: header parsing,
// the scope check and the token in the request context. The difference to
// BenchmarkValidatorOnly is the middleware's own cost.
func BenchmarkMiddleware(b *testing.B) {
	h := middleware.New(fixedValidator, middleware.Options{Realm: "api"}).Require("read:appointments")(noop)
	r, w := benchRequest(), &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMiddlewareRefused measures a 401 invalid_token answer: the
// challenge, the description and the JSON body.
func BenchmarkMiddlewareRefused(b *testing.B) {
	v := middleware.ValidatorFunc(func(context.Context, string) (*accesstoken.Token, error) {
		return nil, token.Errorf(token.ErrExpired, "exp", "expired at 2025-01-01T00:00:00Z, 1h0m0s ago")
	})
	h := middleware.New(v, middleware.Options{Realm: "api"}).Handler(noop)
	r, w := benchRequest(), &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMiddlewareNoToken measures the 401 answer to a request without
// a token, which a server on the Internet sees most.
func BenchmarkMiddlewareNoToken(b *testing.B) {
	h := middleware.New(fixedValidator, middleware.Options{Realm: "api"}).Handler(noop)
	r, w := httptest.NewRequest(http.MethodGet, "/appointments", nil), &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// realBench is the real access token validator in front of a tokentest
// issuer, and a valid JWT access token it issued.
func realBench(b *testing.B) (*accesstoken.Validator, string) {
	iss := tokentest.NewIssuer(b)
	v, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource()})
	if err != nil {
		b.Fatal(err)
	}
	return v, iss.AccessToken(tokentest.Claims{"scope": "read:appointments"})
}

// BenchmarkRealValidatorOnly is *accesstoken.Validator alone on a token it
// has seen before (its verified-token cache answers), the cheapest a real
// validation gets: the middleware's share is largest here.
func BenchmarkRealValidatorOnly(b *testing.B) {
	v, raw := realBench(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRealMiddleware is the same validation through Require.
func BenchmarkRealMiddleware(b *testing.B) {
	v, raw := realBench(b)
	h := middleware.New(v, middleware.Options{Realm: "api"}).Require("read:appointments")(noop)
	r := httptest.NewRequest(http.MethodGet, "/appointments", nil)
	r.Header.Set("Authorization", "Bearer "+raw)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
