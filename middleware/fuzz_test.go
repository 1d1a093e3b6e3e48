package middleware

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tokenguard/tokenguard/accesstoken"
)

// The oracle for FuzzExtract: RFC 6750 §2.1 written as regular expressions,
// independently of parseAuthorization.
var (
	bearerCredentials = regexp.MustCompile(`^(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)$`)
	bearerScheme      = regexp.MustCompile("^(?i:bearer)($|[^!#$%&'*+\\-.^_`|~0-9A-Za-z])")
	b64tokenRE        = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)
)

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// FuzzExtract feeds arbitrary Authorization headers, query strings and form
// bodies to extract and to the whole middleware. Neither may panic, and the
// outcome must agree with an independent reading of RFC 6750 §2: the token
// found, or a 400 for a malformed request, or nothing.
func FuzzExtract(f *testing.F) {
	// auth, number of Authorization headers, query, form body, method,
	// form content type, AllowQuery, AllowForm.
	f.Add("Bearer abc", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("bearer a-b.c_d~e+f/g==", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("Bearer", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("Bearer  abc", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("Bearer\tabc", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("Bearer a=b", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("Basic dXNlcjpwYXNz", uint8(1), "access_token=abc", "", uint8(0), false, true, false)
	f.Add("Bearer abc", uint8(2), "", "", uint8(0), false, false, false)
	f.Add("Bearer abc", uint8(1), "access_token=abc", "", uint8(0), false, true, false)
	f.Add("", uint8(0), "access_token=abc&access_token=def", "", uint8(0), false, true, false)
	f.Add("", uint8(0), "access%5Ftoken=a%2Bb", "", uint8(0), false, true, false)
	f.Add("", uint8(0), "access_token=a+b", "", uint8(0), false, true, false)
	f.Add("", uint8(0), "", "access_token=abc&note=x", uint8(1), true, false, true)
	f.Add("Bearer abc", uint8(1), "", "access_token=abc", uint8(2), true, false, true)
	f.Add("", uint8(0), "access_token=abc", "access_token=abc", uint8(3), true, true, true)
	f.Add("", uint8(0), "", "access_token=%zz", uint8(1), true, false, true)
	f.Add("", uint8(0), "", "access_token=abc", uint8(0), true, false, true)
	f.Add("BEARER\x00abc", uint8(1), "", "", uint8(0), false, false, false)
	f.Add("Bearer é", uint8(1), "a=%zz;b", "", uint8(0), false, true, false)
	f.Add("", uint8(1), "", "", uint8(0), false, false, false)

	f.Fuzz(func(t *testing.T, auth string, nAuth uint8, query, form string, method uint8, formCT, allowQuery, allowForm bool) {
		nAuth %= 3
		newRequest := func() *http.Request {
			r := httptest.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], "/", strings.NewReader(form))
			r.URL.RawQuery = query
			if formCT {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for i := uint8(0); i < nAuth; i++ {
				r.Header.Add("Authorization", auth)
			}
			return r
		}
		opts := Options{AllowQuery: allowQuery, AllowForm: allowForm, Realm: "fuzz"}

		// The oracle.
		var (
			want    string
			n       int
			bad     bool
			inQuery bool
		)
		if nAuth > 1 {
			bad = true
		} else if nAuth == 1 {
			if m := bearerCredentials.FindStringSubmatch(auth); m != nil {
				want, n = m[1], n+1
			} else if bearerScheme.MatchString(auth) {
				bad = true
			}
		}
		param := func(vs url.Values) {
			switch v, ok := vs["access_token"]; {
			case !ok:
			case len(v) != 1 || !b64tokenRE.MatchString(v[0]):
				bad = true
			default:
				want, n = v[0], n+1
			}
		}
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		if allowForm && formCT && (m == "POST" || m == "PUT" || m == "PATCH") {
			vs, err := url.ParseQuery(form)
			if err != nil {
				bad = true
			}
			param(vs)
		}
		if allowQuery {
			vs, _ := url.ParseQuery(query)
			if _, ok := vs["access_token"]; ok {
				inQuery = true
			}
			param(vs)
		}
		if n > 1 {
			bad = true
		}
		if bad {
			want = ""
		}

		// extract itself, twice: it must be deterministic.
		for range 2 {
			tok, from, _, e := extract(httptest.NewRecorder(), newRequest(), &opts)
			if bad != (e != nil) {
				t.Fatalf("malformed: got %v, oracle %v (auth %q ×%d, query %q, form %q)", e, bad, auth, nAuth, query, form)
			}
			if tok != want {
				t.Fatalf("token %q, oracle %q", tok, want)
			}
			if e != nil {
				if e.Status != http.StatusBadRequest || e.Code != CodeInvalidRequest || e.Description == "" {
					t.Fatalf("malformed request answered %+v", e)
				}
				continue
			}
			if tok != "" && from != fromHeader && from != fromForm && from != fromQuery {
				t.Fatalf("token from %b: not exactly one source", from)
			}
		}

		// The whole middleware, with a validator that accepts anything.
		accept := ValidatorFunc(func(_ context.Context, raw string) (*accesstoken.Token, error) {
			return &accesstoken.Token{Raw: raw}, nil
		})
		var seen string
		h := New(accept, opts).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tok, ok := TokenFrom(r.Context()); ok {
				seen = tok.Raw
			}
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, newRequest())
		wantStatus := http.StatusOK
		switch {
		case bad:
			wantStatus = http.StatusBadRequest
		case want == "":
			wantStatus = http.StatusUnauthorized
		}
		if w.Code != wantStatus || seen != want {
			t.Fatalf("answered %d with token %q, oracle %d with %q", w.Code, seen, wantStatus, want)
		}
		if wantStatus != http.StatusOK {
			if _, ok := parseChallenge(w.Header().Get("WWW-Authenticate")); !ok {
				t.Fatalf("challenge %q does not parse", w.Header().Get("WWW-Authenticate"))
			}
		}
		// Cache-Control: private marks every answer to a request whose query
		// was read and carried the parameter; the query is read unless the
		// header or the form already made the request malformed.
		earlyBad := nAuth > 1 || (nAuth == 1 && bearerScheme.MatchString(auth) && !bearerCredentials.MatchString(auth)) ||
			formBad(opts, m, formCT, form)
		if wantPrivate := inQuery && !earlyBad; wantPrivate != (w.Header().Get("Cache-Control") == "private") {
			t.Fatalf("Cache-Control %q, oracle private=%v", w.Header().Get("Cache-Control"), wantPrivate)
		}
	})
}

// formBad reports whether the form body, when read, makes the request
// malformed before the query is looked at.
func formBad(o Options, method string, formCT bool, form string) bool {
	if !o.AllowForm || !formCT || (method != "POST" && method != "PUT" && method != "PATCH") {
		return false
	}
	vs, err := url.ParseQuery(form)
	if err != nil {
		return true
	}
	v, ok := vs["access_token"]
	return ok && (len(v) != 1 || !b64tokenRE.MatchString(v[0]))
}
