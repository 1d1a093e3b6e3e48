// Package middleware protects net/http handlers of a resource server (an
// API) with OAuth 2.0 bearer access tokens, following RFC 6750 to the
// letter, and lets handlers read the validated token.
//
//	ats, err := accesstoken.NewValidator(accesstoken.Config{Issuer: iss, Audience: "https://my-api", Keys: keys})
//	if err != nil {
//		return err
//	}
//	mw := middleware.New(ats, middleware.Options{Realm: "appointments"})
//	mux.Handle("GET /appointments", mw.Require("read:appointments")(http.HandlerFunc(list)))
//
// where list reads the validated token from the request's context:
//
//	func list(w http.ResponseWriter, r *http.Request) {
//		at, _ := middleware.TokenFrom(r.Context())
//		fmt.Fprintf(w, "appointments of %s\n", at.Subject)
//	}
//
// Any router built on net/http works: the wrappers are plain
// func(http.Handler) http.Handler. The Validator is a one-method interface
// that *accesstoken.Validator satisfies; ValidatorFunc adapts a function.
//
// # Layers
//
// Routers group routes under shared middleware and add a requirement per
// route, so one request often passes the same Middleware twice:
//
//	r.Use(mw.Handler)                                    // chi: every route in the group
//	r.With(mw.Require("write:appointments")).Post("/", create)
//
// The token is validated once per request: a layer finding that the same
// Middleware already validated the same token for this request (it looks at
// the request's context) reuses that result, and checks only its own
// requirement. Without that, an opaque token with no introspection cache
// would cost two introspection requests. A token validated by a different
// Middleware, or put in the context with WithToken, is never reused: a
// different Middleware may hold tokens to other rules, and each validates
// for itself.
//
// # Finding the token (RFC 6750 §2)
//
// The token is read from the Authorization header: the scheme "Bearer"
// (matched case-insensitively), one or more spaces, and a b64token
// (letters, digits, "-._~+/", then optional "=" padding). A header of
// another scheme, such as Basic, is not a bearer token and is treated as
// no token. Two further ways are off by default and enabled by options:
// the access_token parameter of an application/x-www-form-urlencoded
// POST, PUT or PATCH body (Options.AllowForm), and the access_token query
// parameter (Options.AllowQuery; the response then carries
// Cache-Control: private). A request that sends several Authorization
// headers, Bearer credentials of the wrong syntax, the parameter twice, or
// a token in more than one way is malformed.
//
// With AllowForm, the body of every eligible request is read (bounded by
// Options.MaxFormSize through http.MaxBytesReader) and parsed before the
// handler runs; it is not restored, and the handler reads the parsed
// r.PostForm instead of r.Body.
//
// # Answers (RFC 6750 §3, RFC 9470)
//
//	no token                         401  WWW-Authenticate: Bearer realm="..."
//	malformed request                400  Bearer realm="...", error="invalid_request", error_description="..."
//	token refused by the Validator   401  Bearer realm="...", error="invalid_token", error_description="..."
//	scope or permission missing      403  Bearer realm="...", error="insufficient_scope", error_description="...", scope="..."
//	claim requirement not met        403  Bearer realm="...", error="insufficient_scope", error_description="..."
//	token.ErrUnavailable             503  Retry-After: 5
//	Middleware.StepUp                401  Bearer realm="...", error="insufficient_user_authentication", ..., acr_values="...", max_age="..."
//
// A claim requirement is a role or group a route needs (RequireClaims with
// token.Claim("roles").Contains("Orders.Write")), or one the validator's
// Config.Require or Config.Check refused (token.ErrInsufficientScope): the
// token is good but not allowed here, so the answer is 403, not 401; RFC
// 6750 has no parameter for roles, so the error_description names the claim.
//
// A request without any token gets no error code, as RFC 6750 §3.1 asks, so
// a client knows to authenticate rather than to report an error. The
// error_description of a refused token comes from the validation error's
// claim and reason ("token expired (exp): ..."); it never contains the
// token. When the Validator cannot decide because the issuer's keys or
// introspection endpoint cannot be reached (an error matching
// token.ErrUnavailable), the answer is 503 with Retry-After, never 401: the
// client's token may well be good, and it should retry rather than discard
// it.
//
// Parameter values are sent as quoted-strings: '"' and '\' are escaped,
// control characters and bytes outside US-ASCII are dropped, and since RFC
// 6750 forbids '"' and '\' inside error_description even when escaped, they
// become "'" and "/" there.
//
// The body is JSON by default (DefaultErrorResponder):
//
//	{"error":"insufficient_scope","error_description":"the access token lacks the scope write:appointments","scope":"write:appointments"}
//
// Options.ErrorResponder replaces it, for example with
// application/problem+json; the headers above are already set when it is
// called, and it receives an *Error with the status, code, description,
// scope and the cause.
//
// # DPoP and mutual TLS (RFC 9449, RFC 8705)
//
// Options.DPoP.Mode chooses the schemes: BearerOnly (the default), DPoPAllowed
// or DPoPRequired. With the DPoP scheme the request carries "Authorization:
// DPoP <token>" and exactly one DPoP header holding the proof; the proof is
// checked against the request's method and URI, whose scheme and host come
// from Options.DPoP.ExternalURL when set (a server behind a proxy), from the
// X-Forwarded-Proto and X-Forwarded-Host headers only with
// Options.DPoP.TrustForwardedHeaders, and otherwise from the request. A
// DPoP-bound token sent as a bearer token is refused in every mode. When both
// schemes are accepted every challenge offers both, the error going on the
// scheme the request used (on both for a 400, on neither without a token):
//
//	no token                  401  Bearer realm="...", DPoP realm="...", algs="ES256 ..."
//	bad or replayed proof     401  Bearer realm="...", DPoP realm="...", error="invalid_dpop_proof", ..., algs="..."
//	nonce needed              401  ... DPoP ..., error="use_dpop_nonce", ...   DPoP-Nonce: <nonce>
//	bound token as bearer     401  Bearer realm="...", error="invalid_token", ..., DPoP realm="...", algs="..."
//
// A nonce that is still accepted but no longer current is followed by the
// new one in the DPoP-Nonce header of the successful answer (with
// Cache-Control: no-store). Browser clients need DPoP-Nonce and
// WWW-Authenticate in Access-Control-Expose-Headers.
//
// A certificate-bound token comes as a bearer token; the middleware passes
// the TLS connection's client certificate to the Validator, or, behind a
// TLS-terminating proxy, the one in the header named by
// Options.ClientCertificateHeader (PEM, URL-escaped PEM or base64 DER; the
// proxy must strip that header from what clients send). A header that cannot
// be read is the proxy's fault: 503. The Validator must implement
// ProofValidator, as *accesstoken.Validator does.
//
// # Other options
//
// Options.CredentialsOptional lets requests without a token through
// Handler (a token that is present must still be valid);
// Options.Preflight answers CORS preflight requests with your CORS
// responder, never with the protected handler;
// Options.Logger logs each refusal without the token.
package middleware
