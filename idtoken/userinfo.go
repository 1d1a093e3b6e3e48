package idtoken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/httpx"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/jwks"
	"github.com/tokenguard/tokenguard/token"
)

// DefaultUserInfoTimeout bounds one UserInfo request when
// UserInfoConfig.Timeout is zero.
const DefaultUserInfoTimeout = 10 * time.Second

// DefaultUserInfoMaxSize bounds a UserInfo answer's body when
// UserInfoConfig.MaxResponseSize is zero. Real answers are a few kilobytes.
const DefaultUserInfoMaxSize = 64 << 10

// maxUserInfoHeaderBytes bounds an answer's headers when the client builds
// its own transport.
const maxUserInfoHeaderBytes = 64 << 10

// UserInfoConfig configures a UserInfoClient. Issuer, ClientID and Keys are
// required, as for Config; every other field follows package token's rule
// for configuration values: zero is the safe default, and a negative number
// means "none" where a field says so and is an error elsewhere.
type UserInfoConfig struct {
	// Endpoint is the UserInfo endpoint's URL, the userinfo_endpoint of the
	// provider's discovery document. Empty means that of Keys when Keys is a
	// *jwks.Remote made by jwks.FromIssuer. It must use https, except on a
	// loopback address or with AllowInsecureHTTP; an https Issuer's endpoint must use
	// https even on a loopback address unless AllowInsecureHTTP is set.
	Endpoint string
	// Issuer is the provider's issuer identifier: the iss a signed answer
	// must carry, compared exactly.
	Issuer string
	// ClientID is this application's client ID: the aud a signed answer
	// must contain.
	ClientID string
	// Keys supplies the provider's keys, which verify signed answers: the
	// same key source as the Validator's.
	Keys token.KeySource
	// Algorithms is the allow-list for signed answers (the client's
	// registered userinfo_signed_response_alg). Nil means ["RS256"].
	Algorithms []string
	// RequireSigned refuses a plain JSON answer with token.ErrSignature:
	// set it when the client registered userinfo_signed_response_alg, so
	// that only an answer signed with the provider's keys is used.
	RequireSigned bool
	// Leeway is the clock skew allowed on a signed answer's exp, nbf and
	// iat, which it need not carry. Zero means token.DefaultLeeway; a
	// negative value means none.
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// HTTPClient sends the requests. Nil means a client of this package's
	// own, with a transport like http.DefaultTransport whose answers'
	// headers are bounded to 64 KiB. A client given here is copied, and the
	// copy never follows redirects: a redirect would carry the access token
	// to a URL nobody configured.
	HTTPClient *http.Client
	// Timeout bounds each request, from connecting to reading the last
	// byte, on top of the caller's context. Zero means
	// DefaultUserInfoTimeout (10s); negative is an error.
	Timeout time.Duration
	// MaxResponseSize bounds the answer's body in bytes. Zero means
	// DefaultUserInfoMaxSize (64 KiB); negative is an error.
	MaxResponseSize int64
	// AllowInsecureHTTP permits a plain http Endpoint on any host. The access
	// token then crosses the network in clear text; use it only inside a
	// network you trust completely.
	AllowInsecureHTTP bool

	// DPoP, when set, is the key the access tokens are bound to (RFC
	// 9449): Fetch sends the token as "Authorization: DPoP" with a proof
	// signed by this key in the DPoP header, and follows the server's
	// nonces (§8, §9). Nil sends the token as a bearer token, which a
	// server refuses for a DPoP-bound token (§7.2). NewUserInfoClient
	// checks the key and its algorithm.
	DPoP *DPoPKey
}

// UserInfoClient asks an OpenID Provider's UserInfo endpoint (OpenID
// Connect Core §5.3) about the user an access token was issued for, and
// returns the answer only when it is about the user of the validated ID
// token. Build it with NewUserInfoClient; it is safe for concurrent use. A
// nil or zero client fails every Fetch with token.ErrUnavailable.
//
// Without UserInfoConfig.HTTPClient, the client builds its own transport;
// call Close when it is no longer needed to close its idle connections.
type UserInfoClient struct {
	endpoint string
	shown    string // the endpoint without its query, for messages
	query    string // the endpoint's raw query, never shown
	clientID string
	verifier *token.Verifier
	signed   bool
	http     *http.Client
	timeout  time.Duration
	maxSize  int64
	own      *http.Transport
	now      func() time.Time
	dpop     *dpopSigner // nil for bearer tokens
}

// discoverer is a key source that read the provider's discovery document,
// such as *jwks.Remote from jwks.FromIssuer.
type discoverer interface {
	Discovery() *jwks.Discovery
}

// NewUserInfoClient checks cfg and returns a client. It returns an error
// naming the field at fault when a required field is missing, the endpoint
// cannot be found or is not an acceptable URL, or a bound is negative. It
// makes no request.
func NewUserInfoClient(cfg UserInfoConfig) (*UserInfoClient, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("idtoken: UserInfoConfig.Issuer is required")
	case cfg.ClientID == "":
		return nil, errors.New("idtoken: UserInfoConfig.ClientID is required")
	case cfg.Keys == nil:
		return nil, errors.New("idtoken: UserInfoConfig.Keys is required: it verifies signed answers")
	}
	timeout, err := settings.Limit("idtoken: UserInfoConfig.Timeout", cfg.Timeout, DefaultUserInfoTimeout)
	if err != nil {
		return nil, err
	}
	maxSize, err := settings.Limit[int64]("idtoken: UserInfoConfig.MaxResponseSize", cfg.MaxResponseSize, DefaultUserInfoMaxSize)
	if err != nil {
		return nil, err
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		if d, ok := cfg.Keys.(discoverer); ok {
			if doc := d.Discovery(); doc != nil {
				endpoint = doc.UserinfoEndpoint
			}
		}
		if endpoint == "" {
			return nil, errors.New("idtoken: UserInfoConfig.Endpoint is required: the provider's userinfo_endpoint (Keys has no discovery document naming one)")
		}
	}
	u, err := httpx.CheckEndpoint(endpoint, "idtoken: the UserInfo endpoint", cfg.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	if !cfg.AllowInsecureHTTP && strings.EqualFold(u.Scheme, "http") && strings.HasPrefix(strings.ToLower(cfg.Issuer), "https:") {
		return nil, fmt.Errorf("idtoken: the UserInfo endpoint %s uses http while the issuer uses https; it must use https too, or set UserInfoConfig.AllowInsecureHTTP", httpx.Redact(u))
	}
	ver, err := newVerifier(token.VerifierConfig{
		Issuer:         cfg.Issuer,
		Keys:           cfg.Keys,
		Algorithms:     cfg.Algorithms,
		Leeway:         cfg.Leeway,
		Now:            cfg.Now,
		ExpiryOptional: true, // OIDC Core §5.3.2 requires iss and aud only
		// A signed answer may be as long as any answer.
		MaxTokenSize: int(maxSize),
		CheckHeader:  checkHeaderType,
	})
	if err != nil {
		return nil, err
	}
	c := &UserInfoClient{
		endpoint: endpoint,
		shown:    httpx.Redact(u),
		query:    u.RawQuery,
		clientID: cfg.ClientID,
		verifier: ver,
		signed:   cfg.RequireSigned,
		timeout:  timeout,
		maxSize:  maxSize,
		now:      cfg.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.DPoP != nil {
		if c.dpop, err = newDPoPSigner(cfg.DPoP, u); err != nil {
			return nil, err
		}
	}
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		c.http = &hc
	} else {
		c.own = httpx.NewTransport(maxUserInfoHeaderBytes)
		c.http = &http.Client{Transport: c.own}
	}
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// Endpoint returns the UserInfo endpoint's URL, query included, or "" for
// a nil client. Messages name it without its query.
func (c *UserInfoClient) Endpoint() string {
	if c == nil {
		return ""
	}
	return c.endpoint
}

// DPoPThumbprint returns the RFC 7638 thumbprint of UserInfoConfig.DPoP's
// key, the cnf.jkt of the tokens bound to it and the dpop_jkt to send to
// the authorization endpoint (RFC 9449 §10), or "" when the client sends
// bearer tokens.
func (c *UserInfoClient) DPoPThumbprint() string {
	if c == nil || c.dpop == nil {
		return ""
	}
	return c.dpop.jkt
}

// Close closes the idle connections of the transport the client built for
// itself, and leaves a UserInfoConfig.HTTPClient alone. The client stays
// usable. It always returns nil.
func (c *UserInfoClient) Close() error {
	if c != nil && c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// UserInfo is a UserInfo answer (OpenID Connect Core §5.3.2) that is about
// the user of the validated ID token: its standard claims typed as an ID
// token's, and any other claim through Claims.
type UserInfo struct {
	// Subject is sub, equal to the ID token's.
	Subject string
	// StandardClaims are the profile claims (name, email, address, ...),
	// the same type Token carries.
	StandardClaims
	// Signed reports that the answer was a JWT (application/jwt) whose
	// signature, iss and aud were verified.
	Signed bool
	// Issuer is iss and Audience aud: verified for a signed answer; for a
	// JSON answer, set only when it carries them and never checked (the
	// TLS connection to the configured endpoint is what vouches for it).
	Issuer   string
	Audience []string
	// Raw is the answer's body: the JSON object or the compact JWT.
	Raw string

	claims *token.Claims
}

// Claims decodes the answer's whole claims set into v, a pointer to a
// struct or a map, for claims beyond the standard ones, as Token.Claims
// does: names match struct fields exactly (the answer was read strictly, so
// no duplicate name and no name differing only in case reaches v), and a
// JSON type that does not fit a field of v is an error matching
// token.ErrInvalidClaim. On a UserInfo not made by Fetch it decodes nothing
// and returns nil.
func (u *UserInfo) Claims(v any) error {
	if u == nil || u.claims == nil {
		return nil
	}
	return u.claims.Decode(v)
}

// UserInfoRefusal is what the UserInfo endpoint said when it refused the
// access token (HTTP 401 or 403). An error matching token.ErrTokenRefused
// carries it: errors.As(err, &refusal).
type UserInfoRefusal struct {
	// StatusCode is 401 or 403.
	StatusCode int
	// Code is the error of the WWW-Authenticate challenge (RFC 6750 §3.1):
	// "invalid_token" (expired, revoked, unknown), "insufficient_scope" (the
	// openid scope or another is missing), with DPoP (RFC 9449 §7.1, §9)
	// "invalid_dpop_proof" or "use_dpop_nonce" (the server kept asking
	// for a nonce), or empty when none was given.
	Code string
	// Description is the challenge's error_description, bounded and with
	// unprintable characters replaced; it never contains the token.
	Description string
}

// Error describes the refusal.
func (r *UserInfoRefusal) Error() string {
	s := fmt.Sprintf("HTTP %d", r.StatusCode)
	if r.Code != "" {
		s += " " + r.Code
	}
	if r.Description != "" {
		s += ": " + r.Description
	}
	return s
}

// errUserInfoTimeout is the cause of a request's context when
// UserInfoConfig.Timeout ended it.
var errUserInfoTimeout = errors.New("userinfo timeout")

// Fetch asks the UserInfo endpoint about the user accessToken was issued
// for, sending it as a bearer token in the Authorization header of a GET
// (OpenID Connect Core §5.3.1), or, when UserInfoConfig.DPoP is set, as a
// DPoP-bound token ("Authorization: DPoP") with a fresh proof in the DPoP
// header (RFC 9449 §7.1), and returns the answer when it is about
// id's user. id is the ID token validated at the same login; the answer's
// sub must equal id.Subject exactly (§5.3.4), or its values must not be
// used: nothing is returned and the error matches token.ErrSubject (the
// OpenID Foundation's rp-userinfo-bad-sub-claim).
//
// The answer is a JSON object (application/json) or a signed JWT
// (application/jwt, §5.3.2), verified like an ID token with the issuer's
// keys and the configured algorithms; its iss must be the issuer
// (token.ErrIssuer) and its aud must contain the client ID
// (token.ErrAudience). Encrypted answers are not supported. Errors match
// one sentinel of package token, and the reason of a refused answer says
// that it was the UserInfo answer that was refused:
//
//   - token.ErrTokenRefused: the endpoint answered 401 or 403, its verdict
//     that the access token is expired, revoked or lacks a scope; the
//     *UserInfoRefusal cause says which. Asking again with the same token
//     will not help, and it is not an outage. With DPoP this includes a
//     proof the server refused (a token bound to another key) and a server
//     that asks for a nonce again after the one retry with the nonce it
//     gave: a 401 with error="use_dpop_nonce" and a DPoP-Nonce header is
//     answered by exactly one more request, and the latest nonce a server
//     gives, with any answer, goes into the proofs of the following
//     Fetches;
//   - token.ErrUnavailable: the endpoint could not be reached, did not
//     answer in time, redirected, answered another status, a body over the
//     size bound, an empty body, a body labelled JSON that is not JSON, or
//     a media type other than JSON or JWT: no answer was obtained, and
//     nothing was decided about the access token or the user;
//   - token.ErrSubject: the answer is about another user;
//   - token.ErrMissingClaim: the answer has no sub (it must always carry
//     one);
//   - token.ErrMalformed, token.ErrInvalidClaim: the answer is JSON but
//     not one strict JSON object (an array, a duplicate or case-folded
//     member name, invalid UTF-8), a JWT answer is not a compact JWS, or a
//     claim has the wrong JSON type (a profile claim sent as null reads as
//     absent, as in an ID token);
//   - for a signed answer, the errors of Validator.Validate's pipeline
//     (token.ErrSignature, token.ErrIssuer, token.ErrAudience, ...), and
//     token.ErrSignature for a JSON answer when RequireSigned is set.
//
// Without DPoP, a server refuses a DPoP-bound token sent as a bearer token
// (RFC 9449 §7.2): token.ErrTokenRefused.
//
// An empty accessToken, or one that is not an RFC 6750 b64token (what a
// bearer credential is), is refused with token.ErrMalformed before any
// request. A nil id, or one without a subject, fails with
// token.ErrUnavailable, the program's fault: no answer could be checked.
func (c *UserInfoClient) Fetch(ctx context.Context, accessToken string, id *Token) (*UserInfo, error) {
	if c == nil || c.verifier == nil {
		return nil, token.Errorf(token.ErrUnavailable, "", "the UserInfo client is not configured; build it with idtoken.NewUserInfoClient")
	}
	if id == nil || id.Subject == "" {
		return nil, token.Errorf(token.ErrUnavailable, "sub", "Fetch needs the ID token validated at the same login, to check the answer's subject against; it was given none")
	}
	if httpx.InvalidB64Token(accessToken) >= 0 {
		return nil, token.Errorf(token.ErrMalformed, "", "the access token is empty or is not a bearer credential: RFC 6750 §2.1 allows letters, digits, -._~+/ and trailing =")
	}
	body, ct, err := c.get(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	u, err := c.read(ctx, body, ct, id.Subject)
	if err != nil {
		var ve *token.ValidationError
		if errors.As(err, &ve) && !errors.Is(err, token.ErrUnavailable) {
			// The reasons of the shared pipeline speak of "the token": say
			// it is the answer that was refused, not the access token.
			ve.Reason = "the UserInfo answer from " + c.shown + " was refused: " + ve.Reason
		}
		return nil, err
	}
	return u, nil
}

// get sends the request and returns the body of a 200 answer and its media
// type. With DPoP, a 401 asking for a nonce the proof lacked is followed by
// one more request with that nonce, and only one (RFC 9449 §9).
func (c *UserInfoClient) get(parent context.Context, accessToken string) ([]byte, string, error) {
	body, mt, retry, err := c.attempt(parent, accessToken, false)
	if retry {
		body, mt, _, err = c.attempt(parent, accessToken, true)
	}
	return body, mt, err
}

// attempt sends one request. It reports retry when the server asked for a
// DPoP nonce it has now given and this was not already the retry.
func (c *UserInfoClient) attempt(parent context.Context, accessToken string, retried bool) (_ []byte, _ string, retry bool, _ error) {
	ctx, cancel := context.WithTimeoutCause(parent, c.timeout, errUserInfoTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint, nil)
	if err != nil {
		return nil, "", false, c.unavailable(nil, "the request could not be built: %s", excerpt.Text(err.Error(), c.query))
	}
	var sentNonce string
	if c.dpop != nil {
		var proof string
		if proof, sentNonce, err = c.dpop.proof(http.MethodGet, accessToken, c.now()); err != nil {
			return nil, "", false, c.unavailable(nil, "could not be asked: the DPoP proof could not be signed: %s", excerpt.Text(err.Error(), accessToken))
		}
		req.Header.Set("Authorization", "DPoP "+accessToken)
		req.Header.Set("DPoP", proof)
	} else {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	req.Header.Set("Accept", "application/json, application/jwt")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", false, c.requestFailed(ctx, parent, "could not be reached", err, accessToken)
	}
	defer resp.Body.Close()
	newNonce := false
	if c.dpop != nil {
		// A server may give the next nonce with any answer (RFC 9449 §8.2).
		if n := resp.Header.Get("DPoP-Nonce"); n != sentNonce {
			newNonce = c.dpop.remember(n)
		}
	}
	switch sc := resp.StatusCode; {
	case sc == http.StatusOK:
	case sc == http.StatusUnauthorized || sc == http.StatusForbidden:
		r := refusal(resp, accessToken)
		if c.dpop != nil && sc == http.StatusUnauthorized && r.Code == "use_dpop_nonce" {
			if !retried && newNonce {
				// Read a little of the body so the connection can be reused.
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
				return nil, "", true, nil
			}
			why := "without giving a new, usable DPoP-Nonce"
			if retried {
				why = "again, after the retry with the nonce it gave"
			}
			return nil, "", false, &token.ValidationError{Kind: token.ErrTokenRefused,
				Reason: fmt.Sprintf("the UserInfo endpoint %s asked for a DPoP nonce %s; it did not accept the access token", c.shown, why), Err: r}
		}
		return nil, "", false, &token.ValidationError{Kind: token.ErrTokenRefused,
			Reason: fmt.Sprintf("the UserInfo endpoint %s refused the access token; get a new one", c.shown), Err: r}
	case sc >= 300 && sc < 400 && resp.Header.Get("Location") != "":
		return nil, "", false, c.unavailable(nil, "answered %d redirecting to %q; redirects are not followed, so that the access token goes only where configured", sc, excerpt.Text(resp.Header.Get("Location"), accessToken, c.query))
	default:
		if r := refusal(resp, accessToken); r.Code != "" || r.Description != "" {
			return nil, "", false, c.unavailable(nil, "answered %s; expected 200", r.Error())
		}
		return nil, "", false, c.unavailable(nil, "answered HTTP %d; expected 200", sc)
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "application/jwt") {
		return nil, "", false, c.unavailable(nil, "answered Content-Type %q; expected application/json or application/jwt (OpenID Connect Core §5.3.2)", excerpt.Text(resp.Header.Get("Content-Type"), accessToken))
	}
	body, err := httpx.ReadBody(resp.Body, resp.ContentLength, c.maxSize)
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		return nil, "", false, c.unavailable(nil, "answered more than %d bytes (UserInfoConfig.MaxResponseSize)", c.maxSize)
	}
	if err != nil {
		return nil, "", false, c.requestFailed(ctx, parent, "failed while sending its answer", err, accessToken)
	}
	return body, mt, false, nil
}

// read checks a 200 answer and returns it when it is about subject.
func (c *UserInfoClient) read(ctx context.Context, body []byte, mediaType, subject string) (*UserInfo, error) {
	u := &UserInfo{Raw: string(body)}
	// A body that is empty, or not JSON at all although labelled so (a
	// proxy's page, a truncated answer), holds no answer to judge: like an
	// answer of another media type, it is an outage.
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, c.unavailable(nil, "answered 200 with an empty body; expected %s", mediaType)
	}
	if mediaType == "application/json" && !json.Valid(body) {
		return nil, c.unavailable(nil, "answered a body that is not a JSON document although labelled application/json")
	}
	var claims *token.Claims
	if mediaType == "application/jwt" {
		raw := string(bytes.TrimSpace(body))
		ver, err := c.verifier.Verify(ctx, raw)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ver.Claims.Audience, c.clientID) {
			if !ver.Claims.Has("aud") {
				return nil, token.Errorf(token.ErrMissingClaim, "aud", "it is signed but has no aud; a signed answer's aud must contain the client ID %q (OpenID Connect Core §5.3.2)", c.clientID)
			}
			return nil, token.Errorf(token.ErrAudience, "aud", "it is signed for another audience: its aud does not contain the client ID %q", c.clientID)
		}
		claims = &ver.Claims
		u.Signed = true
		u.Raw = raw
	} else {
		if c.signed {
			return nil, token.Errorf(token.ErrSignature, "", "it is unsigned JSON; UserInfoConfig.RequireSigned demands a signed JWT")
		}
		var err error
		if claims, err = token.ParseClaims(body); err != nil {
			return nil, err
		}
	}
	if claims.Subject == "" {
		if !claims.Has("sub") {
			return nil, token.Errorf(token.ErrMissingClaim, "sub", "it has no sub; an answer must always carry one (OpenID Connect Core §5.3.2)")
		}
		return nil, token.Errorf(token.ErrSubject, "sub", "its sub is empty; it must equal the ID token's")
	}
	if claims.Subject != subject {
		return nil, token.Errorf(token.ErrSubject, "sub", "it is about subject %q, not the ID token's %q; its values must not be used (OpenID Connect Core §5.3.4)", excerpt.Of(claims.Subject), excerpt.Of(subject))
	}
	u.Subject, u.Issuer, u.Audience, u.claims = claims.Subject, claims.Issuer, claims.Audience, claims
	if err := u.StandardClaims.read(claims); err != nil {
		return nil, err
	}
	return u, nil
}

// unavailable builds the error of a failure to get a usable answer.
func (c *UserInfoClient) unavailable(cause error, format string, args ...any) error {
	return &token.ValidationError{Kind: token.ErrUnavailable,
		Reason: "the UserInfo endpoint " + c.shown + " " + fmt.Sprintf(format, args...), Err: cause}
}

// requestFailed explains a transport failure: our timeout, the caller's
// context, or the network.
func (c *UserInfoClient) requestFailed(ctx, parent context.Context, what string, err error, accessToken string) error {
	if errors.Is(context.Cause(ctx), errUserInfoTimeout) && parent.Err() == nil {
		return c.unavailable(context.DeadlineExceeded, "gave no complete answer within %v (UserInfoConfig.Timeout)", c.timeout)
	}
	if perr := parent.Err(); perr != nil {
		return c.unavailable(perr, "had not answered when the caller's context ended")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the URL, query and all
	}
	return c.unavailable(nil, "%s: %s", what, excerpt.Text(err.Error(), accessToken, c.query))
}
