package middleware

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenguard/tokenguard/internal/httpx"
)

// source records where a token was found.
type source uint8

const (
	fromHeader source = 1 << iota // Authorization: Bearer (RFC 6750, section 2.1)
	fromForm                      // access_token form body parameter (§2.2)
	fromQuery                     // access_token URI query parameter (§2.3)
)

// tokenParam is the form and query parameter name of RFC 6750 §2.2 and §2.3.
const tokenParam = "access_token"

// isTchar reports whether c may appear in an RFC 9110 token, such as an
// authentication scheme name.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// parseAuthorization reads one Authorization header value. It returns
// bearer=false for a header of another scheme (Basic, DPoP, or no scheme at
// all), which is not a bearer token and is left to others. For the Bearer
// scheme, matched case-insensitively, it requires exactly one space and a
// b64token and reports ok=false otherwise.
func parseAuthorization(v string) (tok string, bearer, ok bool) {
	return parseCredentials(v, "bearer")
}

// parseCredentials is parseAuthorization for any scheme whose credentials
// are a b64token (token68), such as DPoP's (RFC 9449 §7.1); scheme is in
// lower case.
func parseCredentials(v, scheme string) (tok string, bearer, ok bool) {
	if len(v) < len(scheme) {
		return "", false, true
	}
	for i := 0; i < len(scheme); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != scheme[i] {
			return "", false, true
		}
	}
	if len(v) == len(scheme) {
		return "", true, false // "Bearer" and nothing after it
	}
	if isTchar(v[len(scheme)]) {
		return "", false, true // a longer scheme name, such as "Bearer2"
	}
	// RFC 6750 §2.1: "Bearer" 1*SP b64token. Spaces only; a tab is not SP.
	rest := strings.TrimLeft(v[len(scheme):], " ")
	if len(rest) == len(v)-len(scheme) || httpx.InvalidB64Token(rest) >= 0 {
		return "", true, false
	}
	return rest, true, true
}

// formEligible reports whether RFC 6750 §2.2 lets r carry the token in its
// body: a method with body semantics that net/http parses as a form (POST,
// PUT, PATCH; never GET) and the content type
// application/x-www-form-urlencoded, so never a multipart body.
func formEligible(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return false
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// extract finds the bearer token of r per RFC 6750 §2. It returns the token
// ("" when there is none), the sources it was found in (several only with an
// error) and the request to pass on, which is a shallow copy of r when the
// form body was parsed. A non-nil *Error is a 400 invalid_request.
//
// The form body is read only when o.AllowForm is set and formEligible(r)
// (see parseForm). The query is read only when o.AllowQuery is set.
func extract(w http.ResponseWriter, r *http.Request, o *Options) (string, source, *http.Request, *Error) {
	var (
		raw  string
		from source
		n    int
	)
	switch hs := r.Header["Authorization"]; len(hs) {
	case 0:
	case 1:
		tok, bearer, ok := parseAuthorization(hs[0])
		if !ok {
			return "", fromHeader, r, badRequest("the Authorization header's Bearer credentials must be one or more spaces followed by a b64token (RFC 6750, section 2.1)", nil)
		}
		if bearer {
			raw, from, n = tok, fromHeader, 1
		}
	default:
		return "", 0, r, badRequest(fmt.Sprintf("the request has %d Authorization headers; send exactly one", len(hs)), nil)
	}

	if o.AllowForm && formEligible(r) {
		var e *Error
		if r, e = parseForm(w, r, o.maxFormSize()); e != nil {
			return "", from, r, e
		}
		if tok, found, e := param(r.PostForm, "form body"); e != nil {
			return "", from | fromForm, r, e
		} else if found {
			raw, from, n = tok, from|fromForm, n+1
		}
	}

	if o.AllowQuery && r.URL != nil && mayHaveParam(r.URL.RawQuery) {
		// Errors are ignored as in URL.Query: a malformed pair elsewhere in
		// the query is the application's business, not this middleware's.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		if tok, found, e := param(q, "query"); e != nil {
			return "", from | fromQuery, r, e
		} else if found {
			raw, from, n = tok, from|fromQuery, n+1
		}
	}

	if n > 1 {
		return "", from, r, badRequest("the access token was presented in more than one way (Authorization header, form body, query); use exactly one (RFC 6750, section 2)", nil)
	}
	return raw, from, r, nil
}

// parseForm returns r, or a shallow copy of it, with PostForm holding the
// parsed application/x-www-form-urlencoded body. The body is read through
// http.MaxBytesReader with the given limit and is consumed; r.Form is left
// unset, so a later ParseForm merges the query in as usual. A request whose
// PostForm is already set (parsed by an earlier handler) is returned as it
// is.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) (*http.Request, *Error) {
	if r.PostForm != nil {
		return r, nil
	}
	r = r.WithContext(r.Context()) // parse into a copy, not the caller's request
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return r, badRequest(fmt.Sprintf("the form body is larger than %d bytes", tooBig.Limit), err)
		}
		return r, badRequest("the form body could not be read", err)
	}
	vs, err := url.ParseQuery(string(body))
	if err != nil {
		return r, badRequest("the form body is not valid application/x-www-form-urlencoded", err)
	}
	r.PostForm = vs
	return r, nil
}

// mayHaveParam reports whether query can hold an access_token parameter,
// so that a query that cannot is not parsed: the name appears as it is, or
// percent-encoded, which needs a "%".
func mayHaveParam(query string) bool {
	return strings.Contains(query, tokenParam) || strings.Contains(query, "%")
}

// param reads the access_token parameter from vs: it must appear at most
// once and hold a b64token.
func param(vs url.Values, where string) (tok string, found bool, e *Error) {
	v, ok := vs[tokenParam]
	switch {
	case !ok:
		return "", false, nil
	case len(v) != 1:
		return "", false, badRequest(fmt.Sprintf("the %s repeats the access_token parameter", where), nil)
	case httpx.InvalidB64Token(v[0]) >= 0:
		return "", false, badRequest(fmt.Sprintf("the %s's access_token parameter is not a b64token", where), nil)
	}
	return v[0], true, nil
}

// badRequest is a 400 invalid_request refusal.
func badRequest(desc string, cause error) *Error {
	err := ErrInvalidRequest
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrInvalidRequest, cause)
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: desc, Err: err}
}

// isPreflight reports whether r is a CORS preflight request: OPTIONS with
// Origin and Access-Control-Request-Method.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions &&
		r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}
