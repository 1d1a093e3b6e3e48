package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tokenguard/tokenguard/internal/jose"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// A key set configured in code rather than fetched.
func ExampleStatic() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, err := token.NewPublicKey(token.KeyParams{ID: "2024-01", Algorithm: "ES256"}, &priv.PublicKey)
	if err != nil {
		panic(err)
	}
	set, err := token.NewKeySet(key)
	if err != nil {
		panic(err)
	}
	keys := jwks.Static(set) // a token.KeySource for any validator

	got, err := keys.Keys(context.Background(), "2024-01")
	fmt.Println(got.Len(), err)
	// Output: 1 <nil>
}

// A Remote over a JWKS URL. Here the issuer is an httptest server; in
// production the URL is https.
func ExampleNew() {
	srv := exampleIssuer()
	defer srv.Close()

	keys, err := jwks.New(context.Background(), srv.URL+"/jwks.json", jwks.Options{})
	if err != nil {
		fmt.Println(err) // matches token.ErrUnavailable
		return
	}
	defer keys.Close()

	set, err := keys.Keys(context.Background(), "key-1") // from memory, no request
	fmt.Println(set.Len(), err)

	_, err = keys.Keys(context.Background(), "made-up") // one refetch, then refused
	fmt.Println(errors.Is(err, token.ErrKeyNotFound))

	st := keys.Stats()
	fmt.Println(st.Fetches, st.Refetches, st.Keys)
	// Output:
	// 2 <nil>
	// true
	// 2 1 2
}

// A Remote found through the issuer's discovery document, which also names
// the introspection endpoint.
func ExampleFromIssuer() {
	srv := exampleIssuer()
	defer srv.Close()

	keys, err := jwks.FromIssuer(context.Background(), srv.URL, jwks.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer keys.Close()

	d := keys.Discovery()
	fmt.Println(d.Issuer == srv.URL, d.IntrospectionEndpoint == srv.URL+"/introspect")
	fmt.Println(d.IDTokenSigningAlgValues)
	// Output:
	// true true
	// [ES256]
}

// A URL over plain http to another host is refused before any request.
func ExampleNew_insecureURL() {
	_, err := jwks.New(context.Background(), "http://issuer.example.com/jwks.json", jwks.Options{})
	fmt.Println(errors.Is(err, jwks.ErrURL))
	// Output: true
}

// exampleIssuer serves a discovery document and a JWKS of two keys.
func exampleIssuer() *httptest.Server {
	var keys []json.RawMessage
	for _, kid := range []string{"key-1", "key-2"} {
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		jwk, err := jose.MarshalPublic(kid, "ES256", &priv.PublicKey)
		if err != nil {
			panic(err)
		}
		keys = append(keys, jwk)
	}
	set, _ := json.Marshal(map[string]any{"keys": keys})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		w.Write(set)
	})
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                srv.URL,
			"jwks_uri":                              srv.URL + "/jwks.json",
			"introspection_endpoint":                srv.URL + "/introspect",
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	return srv
}

// The tenants of a multi-tenant provider: an issuer template as Entra ID's
// discovery document publishes it, a tenant allow-list, and the keys every
// tenant shares. Whether a token's issuer is trusted is decided from the
// configuration alone, so an unknown tenant costs no request.
func ExampleNewIssuers() {
	tenants, err := jwks.NewIssuers(jwks.IssuersConfig{
		Templates: []string{"https://login.microsoftonline.com/{tenantid}/v2.0"},
		Tenants:   []string{"72f988bf-86f1-41af-91ab-2d7cd011db47"},
		Keys:      jwks.Static(nil), // in production: jwks.New(ctx, "https://login.microsoftonline.com/common/discovery/v2.0/keys", ...)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tenants.Close()
	for _, c := range []map[string]string{
		{"iss": "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{"iss": "https://login.microsoftonline.com/0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab/v2.0", "tid": "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"},
		{"iss": "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "tid": "0d8e7c6b-5a49-4f38-a726-15e4d3c2b1ab"},
	} {
		doc, _ := json.Marshal(c)
		claims, _ := token.ParseClaims(doc)
		_, err := tenants.IssuerKeys(context.Background(), claims)
		fmt.Println(err == nil, errors.Is(err, token.ErrIssuer))
	}
	// Output:
	// true false
	// false true
	// false true
}
