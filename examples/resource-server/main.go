// Command resource-server is an appointments API protected by tokenguard's
// middleware, with a scope per route:
//
//	GET  /appointments   needs read:appointments
//	POST /appointments   needs write:appointments
//	GET  /me             needs any valid access token
//	GET  /health         open
//
// By default it runs against an in-process issuer and prints ready-to-paste
// curl commands with valid and invalid tokens:
//
//	go run ./examples/resource-server
//
// Pointed at a real provider, it finds the keys by discovery:
//
//	go run ./examples/resource-server -issuer https://tenant.example.com/ -audience https://api.example.com
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "resource-server:", err)
		os.Exit(1)
	}
}

// appointment is one entry of the API's data.
type appointment struct {
	ID   int    `json:"id"`
	With string `json:"with"`
	At   string `json:"at"`
}

// store is the API's in-memory data.
type store struct {
	mu   sync.Mutex
	list []appointment
}

// newAPI returns the API's routes behind mw, each with the scope it needs.
func newAPI(mw *middleware.Middleware) http.Handler {
	s := &store{list: []appointment{{ID: 1, With: "Dr. Rivera", At: "2026-12-01T09:30:00Z"}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /me", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		writeJSON(w, http.StatusOK, map[string]any{"sub": at.Subject, "scopes": at.Scopes, "client_id": at.ClientID})
	})))
	mux.Handle("GET /appointments", mw.Require("read:appointments")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, http.StatusOK, s.list)
	})))
	mux.Handle("POST /appointments", mw.Require("write:appointments")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a appointment
		if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&a); err != nil || a.With == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be {\"with\": ..., \"at\": ...}"})
			return
		}
		s.mu.Lock()
		a.ID = len(s.list) + 1
		s.list = append(s.list, a)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, a)
	})))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// run parses args, builds the validator (in-process issuer or a real one),
// serves until ctx ends, and prints curl commands to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("resource-server", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	issuer := fs.String("issuer", "", "a real issuer URL (keys by discovery); empty runs an in-process issuer")
	audience := fs.String("audience", "", "this API's identifier (required with -issuer)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var fake *tokentest.Issuer
	if *issuer == "" {
		var err error
		if fake, err = tokentest.Start(); err != nil {
			return err
		}
		defer fake.Close()
		*issuer, *audience = fake.URL(), fake.Audience()
	} else if *audience == "" {
		return errors.New("-audience is required with -issuer")
	}

	keys, err := jwks.FromIssuer(ctx, *issuer, jwks.Options{})
	if err != nil {
		return err
	}
	defer keys.Close()
	ats, err := accesstoken.NewValidator(accesstoken.Config{Issuer: *issuer, Audience: *audience, Keys: keys})
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	mw := middleware.New(ats, middleware.Options{Realm: "appointments", Logger: logger})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newAPI(mw), ReadHeaderTimeout: 5 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "appointments API on %s, tokens from %s\n\n", base, *issuer)
	if fake != nil {
		printCurls(out, base, fake)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// printCurls prints one curl command per case, each after a comment with the
// status it gets.
func printCurls(out io.Writer, base string, iss *tokentest.Issuer) {
	reader := iss.AccessToken(tokentest.Claims{"scope": "read:appointments"}, tokentest.AtJWT())
	writer := iss.AccessToken(tokentest.Claims{"scope": "read:appointments write:appointments"}, tokentest.AtJWT())
	expired := iss.AccessToken(tokentest.Claims{
		"scope": "read:appointments",
		"exp":   time.Now().Add(-time.Hour).Unix(),
		"iat":   time.Now().Add(-2 * time.Hour).Unix(),
	})
	idt := iss.IDToken(nil)
	cases := []struct {
		status int
		what   string
		cmd    string
	}{
		{200, "read with read:appointments", fmt.Sprintf("curl -i -H 'Authorization: Bearer %s' %s/appointments", reader, base)},
		{403, "write without write:appointments", fmt.Sprintf("curl -i -X POST -H 'Authorization: Bearer %s' -d '{\"with\":\"Dr. Chen\",\"at\":\"2026-12-02T10:00:00Z\"}' %s/appointments", reader, base)},
		{201, "write with write:appointments", fmt.Sprintf("curl -i -X POST -H 'Authorization: Bearer %s' -d '{\"with\":\"Dr. Chen\",\"at\":\"2026-12-02T10:00:00Z\"}' %s/appointments", writer, base)},
		{401, "an expired token", fmt.Sprintf("curl -i -H 'Authorization: Bearer %s' %s/appointments", expired, base)},
		{401, "an ID token sent to the API", fmt.Sprintf("curl -i -H 'Authorization: Bearer %s' %s/me", idt, base)},
		{401, "no token", fmt.Sprintf("curl -i %s/appointments", base)},
	}
	for _, c := range cases {
		fmt.Fprintf(out, "# %s: expect %d\n%s\n\n", c.what, c.status, c.cmd)
	}
}
