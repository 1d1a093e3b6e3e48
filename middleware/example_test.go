package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token"
)

// exampleValidator stands in for an *accesstoken.Validator: it knows one
// good token and calls every other one expired.
var exampleValidator = middleware.ValidatorFunc(func(_ context.Context, raw string) (*accesstoken.Token, error) {
	if raw == "good" {
		return &accesstoken.Token{Subject: "auth0|alice", Scopes: []string{"read:appointments"}}, nil
	}
	return nil, token.Errorf(token.ErrExpired, "exp", "expired 5m0s ago")
})

func Example() {
	mw := middleware.New(exampleValidator, middleware.Options{Realm: "appointments"})

	mux := http.NewServeMux()
	mux.Handle("GET /appointments", mw.Require("read:appointments")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			at, _ := middleware.TokenFrom(r.Context())
			fmt.Fprintf(w, "appointments of %s", at.Subject)
		})))
	mux.Handle("POST /appointments", mw.Require("write:appointments")(http.NotFoundHandler()))

	for _, rq := range []struct{ method, auth string }{
		{"GET", ""},
		{"GET", "Bearer good"},
		{"GET", "Bearer stale"},
		{"POST", "Bearer good"},
	} {
		r := httptest.NewRequest(rq.method, "/appointments", nil)
		if rq.auth != "" {
			r.Header.Set("Authorization", rq.auth)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			fmt.Println(w.Code, w.Body.String())
			continue
		}
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 Bearer realm="appointments"
	// 200 appointments of auth0|alice
	// 401 Bearer realm="appointments", error="invalid_token", error_description="token expired (exp): expired 5m0s ago"
	// 403 Bearer realm="appointments", error="insufficient_scope", error_description="the access token lacks the scope write:appointments", scope="write:appointments"
}

// A handler that needs a stronger or fresher login than the token shows
// asks the client to send the user back to the authorization server.
func ExampleMiddleware_StepUp() {
	mw := middleware.New(exampleValidator, middleware.Options{Realm: "appointments"})
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A real handler would read acr or auth_time with at.Claims.
		mw.StepUp(w, r, []string{"mfa"}, 10*time.Minute)
	}))

	r := httptest.NewRequest("DELETE", "/appointments/42", nil)
	r.Header.Set("Authorization", "Bearer good")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("WWW-Authenticate"))
	// Output:
	// 401
	// Bearer realm="appointments", error="insufficient_user_authentication", error_description="a different authentication level is required", acr_values="mfa", max_age="600"
}

// Answers with application/problem+json (RFC 9457) instead of the default
// JSON body; the WWW-Authenticate header is already set.
func ExampleOptions_errorResponder() {
	mw := middleware.New(exampleValidator, middleware.Options{
		Realm: "appointments",
		ErrorResponder: func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(e.Status)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"type":   "https://errors.example.com/" + e.Code,
				"title":  http.StatusText(e.Status),
				"status": e.Status,
				"detail": e.Description,
			})
		},
	})
	h := mw.Handler(http.NotFoundHandler())

	r := httptest.NewRequest("GET", "/appointments", nil)
	r.Header.Set("Authorization", "Bearer stale")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Print(w.Body.String())
	// Output:
	// application/problem+json
	// {"detail":"token expired (exp): expired 5m0s ago","status":401,"title":"Unauthorized","type":"https://errors.example.com/invalid_token"}
}

// With CredentialsOptional, anonymous requests reach the handler, which
// tells them apart with TokenFrom; a token that is sent must be valid.
func ExampleTokenFrom() {
	mw := middleware.New(exampleValidator, middleware.Options{CredentialsOptional: true})
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if at, ok := middleware.TokenFrom(r.Context()); ok {
			fmt.Fprintln(w, "hello", at.Subject)
			return
		}
		fmt.Fprintln(w, "hello stranger")
	}))
	for _, auth := range []string{"", "Bearer good", "Bearer stale"} {
		r := httptest.NewRequest("GET", "/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 hello stranger
	// 200 hello auth0|alice
	// 401 {"error":"invalid_token","error_description":"token expired (exp): expired 5m0s ago"}
}

// Routers apply middleware to a group of routes and add requirements per
// route, as chi does with r.Use(mw.Handler) and r.With(mw.Require(...)): the
// request passes the same Middleware twice, and its token is validated once.
func ExampleMiddleware_Handler_layers() {
	validations := 0
	counting := middleware.ValidatorFunc(func(ctx context.Context, raw string) (*accesstoken.Token, error) {
		validations++
		return exampleValidator(ctx, raw)
	})
	mw := middleware.New(counting, middleware.Options{Realm: "appointments"})

	list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		fmt.Fprintf(w, "appointments of %s", at.Subject)
	})
	group := mw.Handler                                   // for every route of the group
	route := group(mw.Require("read:appointments")(list)) // one route's own requirement

	r := httptest.NewRequest("GET", "/appointments", nil)
	r.Header.Set("Authorization", "Bearer good")
	w := httptest.NewRecorder()
	route.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	fmt.Println("validations:", validations)
	// Output:
	// 200 appointments of auth0|alice
	// validations: 1
}
