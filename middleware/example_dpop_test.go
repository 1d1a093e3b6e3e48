package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tokenguard/tokenguard/accesstoken"
	"github.com/tokenguard/tokenguard/middleware"
	"github.com/tokenguard/tokenguard/token/tokentest"
)

// An API that accepts DPoP-bound tokens (RFC 9449) beside bearer tokens,
// behind a proxy that clients reach at https://api.example.com.
func ExampleDPoPOptions() {
	iss, err := tokentest.Start() // your authorization server
	if err != nil {
		fmt.Println(err)
		return
	}
	defer iss.Close()
	ats, err := accesstoken.NewValidator(accesstoken.Config{
		Issuer: iss.URL(), Audience: iss.Audience(), Keys: iss.KeySource(),
		DPoP: accesstoken.DPoPConfig{Algorithms: []string{"ES256", "EdDSA"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mw := middleware.New(ats, middleware.Options{
		Realm: "appointments",
		DPoP:  middleware.DPoPOptions{Mode: middleware.DPoPAllowed, ExternalURL: "https://api.example.com"},
	})
	h := mw.Require("read:appointments")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, _ := middleware.TokenFrom(r.Context())
		fmt.Fprintf(w, "bound to %t", at.Confirmation.JKT != "")
	}))

	client := iss.NewDPoPKey("ES256") // the client's key
	tok := iss.DPoPAccessToken(client, tokentest.Claims{"scope": "read:appointments"})
	send := func(auth, proof string) {
		r := httptest.NewRequest("GET", "http://10.0.0.7:8080/appointments", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if proof != "" {
			r.Header.Set("DPoP", proof)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			fmt.Println(w.Code, w.Body.String())
			return
		}
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
	}
	send("", "")
	send("DPoP "+tok, client.Proof("GET", "https://api.example.com/appointments", tok, nil))
	send("Bearer "+tok, "") // the downgrade RFC 9449 §7.2 forbids
	send("DPoP "+tok, client.Proof("POST", "https://api.example.com/appointments", tok, nil))
	// Output:
	// 401 Bearer realm="appointments", DPoP realm="appointments", algs="ES256 EdDSA"
	// 200 bound to true
	// 401 Bearer realm="appointments", error="invalid_token", error_description="sender-constrained token presented without proof of possession (cnf.jkt): the token is DPoP-bound (cnf.jkt) and was presented as a bearer token; send it with 'Authorization: DPoP' and a DPoP proof (RFC 9449 7)", DPoP realm="appointments", algs="ES256 EdDSA"
	// 401 Bearer realm="appointments", DPoP realm="appointments", error="invalid_dpop_proof", error_description="invalid DPoP proof (dpop.htm): htm is 'POST'; the request's method is 'GET'", algs="ES256 EdDSA"
}
