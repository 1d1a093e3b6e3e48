package introspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/httpx"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// DefaultTimeout bounds one introspection request (connection, answer and
// body) when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// DefaultMaxResponseSize bounds an introspection answer's body when
// Config.MaxResponseSize is zero. Real answers are well under a kilobyte.
const DefaultMaxResponseSize = 64 << 10

// DefaultMaxConcurrentRequests bounds how many requests a Client has in
// flight at once when Config.MaxConcurrentRequests is zero.
const DefaultMaxConcurrentRequests = 64

// maxResponseHeaderBytes bounds the answer's headers when the client builds
// its own transport.
const maxResponseHeaderBytes = 64 << 10

// maxErrorBody bounds how much of a non-200 answer is read to find an OAuth
// error code in it.
const maxErrorBody = 4 << 10

// Config configures a Client. Only Endpoint and the credentials of the chosen
// AuthMethod are required; every other zero value is a safe default.
type Config struct {
	// Endpoint is the introspection endpoint's absolute URL: an
	// authorization server's introspection_endpoint discovery metadata (see
	// the package documentation). It must use https, except on a loopback
	// address (127.0.0.0/8, ::1, localhost) or with AllowInsecureHTTP; it
	// may carry a query but not a fragment or user credentials. Error
	// messages and log lines show a query as "?...", since it may hold an
	// API key. Required.
	Endpoint string

	// AuthMethod is how this resource server authenticates to the endpoint.
	// Empty means AuthClientSecretBasic.
	AuthMethod AuthMethod
	// ClientID is this resource server's client identifier at the
	// authorization server. Required for AuthClientSecretBasic and
	// AuthClientSecretPost.
	ClientID string
	// ClientSecret is the secret that goes with ClientID. Required for
	// AuthClientSecretBasic and AuthClientSecretPost; must be empty for
	// AuthBearer. It never appears in an error message or a log line.
	ClientSecret string
	// BearerToken is an access token this resource server holds for the
	// introspection endpoint. Required for AuthBearer and must be empty
	// otherwise. It never appears in an error message or a log line.
	BearerToken string

	// HTTPClient sends the requests. Nil means a client of this package's
	// own, with a transport like http.DefaultTransport whose answers'
	// headers are bounded to 64 KiB and whose connections to the endpoint
	// are bounded to MaxConcurrentRequests (http.Transport's
	// MaxConnsPerHost), all of which may stay open while idle
	// (MaxIdleConnsPerHost). A client given here is copied, and the copy
	// never follows redirects (a redirect would send the token and the
	// credentials to a URL nobody configured); its Transport and Timeout are
	// used as they are, so set MaxConnsPerHost on its transport yourself if
	// it serves other requests too.
	HTTPClient *http.Client
	// MaxConcurrentRequests bounds how many requests to the endpoint this
	// client has in flight at once, so that a flood of tokens (made-up
	// ones cost an attacker nothing) cannot become a flood at the
	// authorization server. A call beyond the bound waits for a request to
	// finish, within its context and Timeout; when either ends first it
	// gets an error matching token.ErrUnavailable, without a request. The
	// bound holds whatever HTTPClient is. A request whose caller gives up
	// frees its place at once, though the server may still be working on
	// it. Zero means
	// DefaultMaxConcurrentRequests (64); negative is an error.
	MaxConcurrentRequests int
	// Timeout bounds each request, from waiting for a free slot
	// (MaxConcurrentRequests) through connecting to reading the last byte
	// of the answer, on top of the caller's context. Zero means
	// DefaultTimeout (10s); negative is an error.
	Timeout time.Duration
	// MaxResponseSize bounds the answer's body in bytes; a longer answer is
	// refused without being read to its end. Zero means
	// DefaultMaxResponseSize (64 KiB); negative is an error.
	MaxResponseSize int64
	// AllowInsecureHTTP permits an http Endpoint on a non-loopback host. The
	// token and the credentials then cross the network in clear text; use it
	// only inside a network you trust completely.
	AllowInsecureHTTP bool

	// Logger, if not nil, receives a warning for each failed request and
	// for each answer whose "active" member is missing or not a JSON
	// boolean (the token is then treated as inactive), and a debug line for
	// each answer. Log lines name the endpoint and the outcome, never the
	// token or a secret.
	Logger *slog.Logger
}

// Client is an RFC 7662 introspection client. It is safe for concurrent use.
// It does not cache: wrap it with NewCache. It has at most
// Config.MaxConcurrentRequests requests in flight (64 by default); further
// calls wait for one to finish. A nil or zero Client fails every Introspect
// with an error matching token.ErrUnavailable, and its Close does nothing.
//
// Without Config.HTTPClient, the client builds its own transport, whose
// kept-alive connections (each with goroutines of its own) stay open until
// they have been idle for the transport's idle timeout; call Close when the
// client is no longer needed to close them at once.
type Client struct {
	endpoint string
	// shown is the endpoint as messages and log lines name it: without a
	// query, which may carry an API key.
	shown   string
	query   string // the endpoint's raw query, never shown
	creds   credentials
	http    *http.Client
	timeout time.Duration
	maxSize int64
	log     *slog.Logger
	// own is the transport the client built itself, which Close closes;
	// nil when Config.HTTPClient was given.
	own *http.Transport
	// slots holds one value per request in flight; its capacity is
	// Config.MaxConcurrentRequests.
	slots chan struct{}
}

var _ Introspector = (*Client)(nil)

// NewClient checks cfg and returns a client for its endpoint. It returns an
// error naming the field at fault when a required field is missing, the
// endpoint is not an acceptable URL, or the credentials do not fit
// AuthMethod. It makes no request.
func NewClient(cfg Config) (*Client, error) {
	u, err := checkEndpoint(cfg.Endpoint, cfg.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	creds, err := newCredentials(&cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{endpoint: cfg.Endpoint, shown: httpx.Redact(u), query: u.RawQuery, creds: creds, log: cfg.Logger}
	if c.timeout, err = settings.Limit("introspect: Config.Timeout", cfg.Timeout, DefaultTimeout); err != nil {
		return nil, err
	}
	if c.maxSize, err = settings.Limit("introspect: Config.MaxResponseSize", cfg.MaxResponseSize, DefaultMaxResponseSize); err != nil {
		return nil, err
	}
	maxConc, err := settings.Limit("introspect: Config.MaxConcurrentRequests", cfg.MaxConcurrentRequests, DefaultMaxConcurrentRequests)
	if err != nil {
		return nil, err
	}
	c.slots = make(chan struct{}, maxConc)
	if cfg.HTTPClient != nil {
		hc := *cfg.HTTPClient
		c.http = &hc
	} else {
		c.own = httpx.NewTransport(maxResponseHeaderBytes)
		c.own.MaxConnsPerHost = maxConc
		c.own.MaxIdleConnsPerHost = maxConc
		c.http = &http.Client{Transport: c.own}
	}
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// checkEndpoint parses and checks Config.Endpoint (see httpx.CheckEndpoint).
// Its messages never quote the endpoint's query or fragment, which may carry
// a secret.
func checkEndpoint(endpoint string, allowHTTP bool) (*url.URL, error) {
	if endpoint == "" {
		return nil, errors.New("introspect: Config.Endpoint is required: the URL of the authorization server's introspection endpoint (introspection_endpoint in its discovery metadata)")
	}
	return httpx.CheckEndpoint(endpoint, "introspect: Config.Endpoint", allowHTTP)
}

// Endpoint returns the introspection endpoint's URL exactly as configured,
// query included. Error messages and log lines name it without its query
// (shown as "?..."), which may carry an API key.
func (c *Client) Endpoint() string {
	if c == nil {
		return ""
	}
	return c.endpoint
}

// Close closes the idle connections of the transport the client built for
// itself (when Config.HTTPClient was nil), ending their goroutines. It leaves
// a transport given in Config.HTTPClient alone: that one is the caller's to
// manage. Requests in flight are not interrupted, and the client stays
// usable: a later request opens a new connection. Close always returns nil,
// and does nothing on a nil or zero Client.
func (c *Client) Close() error {
	if c != nil && c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// errClientTimeout is the cause of a request's context when Config.Timeout
// ended it, which tells it apart from the caller's own deadline.
var errClientTimeout = errors.New("introspection timeout")

// Introspect asks the endpoint about tok with a form-encoded POST (RFC 7662
// §2.1: token and token_type_hint=access_token, Accept: application/json)
// authenticated by the configured AuthMethod, and parses the answer with
// ParseResponse.
//
// An inactive token is a Response with Active false, not an error; an empty
// tok is inactive without a request. Every error matches
// token.ErrUnavailable (and, when the caller's context ended, also that
// context's error) and says what an operator should check; none contains
// the token or a secret.
func (c *Client) Introspect(ctx context.Context, tok string) (*Response, error) {
	if c == nil || c.http == nil {
		return nil, unavailable(nil, "introspect: the Client was not made by NewClient")
	}
	if tok == "" {
		return &Response{Active: false}, nil
	}
	start := time.Now()
	resp, state, err := c.introspect(ctx, tok)
	if c.log != nil {
		c.logOutcome(ctx, resp, state, err, time.Since(start))
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func (c *Client) logOutcome(ctx context.Context, resp *Response, state activeState, err error, took time.Duration) {
	endpoint := slog.String("endpoint", c.shown)
	switch {
	case err != nil:
		c.log.LogAttrs(ctx, slog.LevelWarn, "introspection failed", endpoint, slog.Duration("took", took), slog.String("error", err.Error()))
		return
	case state == activeMissing:
		c.log.LogAttrs(ctx, slog.LevelWarn, `introspection answer has no "active" member (RFC 7662 requires it); treating the token as inactive`, endpoint)
	case state == activeNotBoolean:
		c.log.LogAttrs(ctx, slog.LevelWarn, `introspection answer's "active" member is not the JSON boolean true or false; treating the token as inactive`, endpoint)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "introspection answered", endpoint, slog.Bool("active", resp.Active), slog.Duration("took", took))
}

func (c *Client) introspect(parent context.Context, tok string) (*Response, activeState, error) {
	ctx, cancel := context.WithTimeoutCause(parent, c.timeout, errClientTimeout)
	defer cancel()
	if err := c.acquire(ctx, parent); err != nil {
		return nil, 0, err
	}
	defer func() { <-c.slots }()

	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	header := make(http.Header, 4)
	c.creds.apply(header, form)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, 0, unavailable(nil, "introspection endpoint "+c.shown+": the request could not be built: "+excerpt.Text(err.Error(), c.secrets(tok)...))
	}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	header.Set("Accept", "application/json")
	req.Header = header

	hr, err := c.http.Do(req)
	if err != nil {
		return nil, 0, c.requestFailed(ctx, parent, "could not be reached: check Config.Endpoint and the network path to the authorization server", err, tok)
	}
	defer hr.Body.Close()

	if hr.StatusCode != http.StatusOK {
		return nil, 0, c.statusError(hr, tok)
	}
	if err := checkContentType(hr.Header.Get("Content-Type")); err != nil {
		return nil, 0, unavailable(nil, "introspection endpoint "+c.shown+" "+err.Error())
	}
	if hr.ContentLength > c.maxSize {
		return nil, 0, c.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, c.maxSize+1))
	if err != nil {
		return nil, 0, c.requestFailed(ctx, parent, "failed while sending its answer", err, tok)
	}
	if int64(len(body)) > c.maxSize {
		return nil, 0, c.tooLarge()
	}
	resp, state, err := parseResponse(body)
	if err != nil {
		var ve *token.ValidationError
		if errors.As(err, &ve) {
			ve.Detail = "introspection endpoint " + c.shown + ": " + ve.Detail
		}
		return nil, state, err
	}
	return resp, state, nil
}

// acquire takes a slot for a request, waiting within ctx (the caller's
// context bounded by Config.Timeout) when all are taken.
func (c *Client) acquire(ctx, parent context.Context) error {
	select {
	case c.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case c.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
	}
	busy := fmt.Sprintf("%d requests to introspection endpoint %s were already in flight (Config.MaxConcurrentRequests)", cap(c.slots), c.shown)
	if perr := parent.Err(); perr != nil {
		return unavailable(perr, "the caller's context ended while "+busy+" and none finished")
	}
	return unavailable(context.DeadlineExceeded, busy+fmt.Sprintf(
		" and none finished within %v (Config.Timeout): the authorization server is answering slowly; check its health, or raise the bound if it can take more", c.timeout))
}

// secrets lists what must never appear in a message.
func (c *Client) secrets(tok string) []string {
	return append([]string{tok, url.QueryEscape(tok), c.query}, c.creds.secrets...)
}

// requestFailed explains a transport failure: our timeout, the caller's
// context, or the network.
func (c *Client) requestFailed(ctx, parent context.Context, what string, err error, tok string) error {
	if errors.Is(context.Cause(ctx), errClientTimeout) && parent.Err() == nil {
		return unavailable(context.DeadlineExceeded, fmt.Sprintf(
			"introspection endpoint %s gave no complete answer within %v (Config.Timeout): check that the authorization server is up and reachable, or raise the timeout",
			c.shown, c.timeout))
	}
	if perr := parent.Err(); perr != nil {
		return unavailable(perr, "the caller's context ended before introspection endpoint "+c.shown+" answered")
	}
	// A *url.Error quotes the method and the whole URL, query included,
	// which may hold an API key: keep only its reason. The token travels
	// in the body, so it is not there either; sanitize anyway, since a
	// transport may quote what it was given.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return unavailable(nil, "introspection endpoint "+c.shown+" "+what+": "+excerpt.Text(err.Error(), c.secrets(tok)...))
}

func (c *Client) tooLarge() error {
	return unavailable(nil, fmt.Sprintf(
		"introspection endpoint %s answered with a body of more than %d bytes (Config.MaxResponseSize); real answers are far smaller, so check the endpoint URL, or raise the limit if the server's answers are legitimately that large",
		c.shown, c.maxSize))
}

func checkContentType(ct string) error {
	if ct == "" {
		return errors.New("answered without a Content-Type; RFC 7662 §2.2 requires application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return fmt.Errorf("answered with Content-Type %q; expected application/json (RFC 7662 §2.2): check that Config.Endpoint is the introspection endpoint and not a login page or a proxy's", excerpt.Text(ct))
	}
	return nil
}

// statusError explains an answer other than 200, with the OAuth error code
// and description (RFC 6749 §5.2) if the body holds them.
func (c *Client) statusError(hr *http.Response, tok string) error {
	detail := ""
	code, desc := oauthError(hr)
	if code != "" {
		detail = fmt.Sprintf(", error %q", excerpt.Text(code, c.secrets(tok)...))
		if desc != "" {
			detail += fmt.Sprintf(": %q", excerpt.Text(desc, c.secrets(tok)...))
		}
	}
	status := fmt.Sprintf("HTTP %d%s", hr.StatusCode, detail)
	var reason string
	switch sc := hr.StatusCode; {
	case sc == http.StatusBadRequest && code == "unsupported_token_type":
		reason = fmt.Sprintf(
			"introspection endpoint %s answered %s: the authorization server does not introspect this kind of token, and says nothing about whether it is valid. ",
			c.shown, status) + unsupportedTypeHint(tok)
	case sc == http.StatusUnauthorized || sc == http.StatusForbidden:
		reason = fmt.Sprintf(
			"introspection endpoint %s rejected this resource server's own credentials (%s): check Config.ClientID, Config.ClientSecret or Config.BearerToken, and that Config.AuthMethod (%s) is one the authorization server accepts for this client; the token itself was not judged",
			c.shown, status, c.creds.method)
	case sc >= 300 && sc < 400:
		reason = fmt.Sprintf(
			"introspection endpoint %s answered %s redirecting to %q; redirects are not followed, so that the token and credentials go only where configured: set Config.Endpoint to the final URL",
			c.shown, status, excerpt.Text(hr.Header.Get("Location"), c.secrets(tok)...))
	case sc == http.StatusTooManyRequests || sc >= 500:
		reason = fmt.Sprintf(
			"introspection endpoint %s answered %s: the authorization server is failing or overloaded; retry later, and check its health",
			c.shown, status)
	default:
		reason = fmt.Sprintf(
			"introspection endpoint %s answered %s, expected 200: check Config.Endpoint and Config.AuthMethod",
			c.shown, status)
	}
	return unavailable(nil, reason)
}

// unsupportedTypeHint tells an operator what to do about a server that
// refuses to introspect tok's kind of token.
func unsupportedTypeHint(tok string) string {
	if strings.Count(tok, ".") == 2 {
		return "This token is a JWT, and some servers introspect only the opaque tokens they issue: " +
			"if accesstoken.Config.IntrospectJWTs is set, turn it off for this server, so that its JWTs are validated with its keys alone"
	}
	return "Check that Config.Endpoint is this server's introspection endpoint (not its revocation endpoint), " +
		"and that it introspects the opaque access tokens it issues (each request carries token_type_hint=access_token)"
}

// oauthError reads "error" and "error_description" from a small JSON error
// body, or returns empty strings.
func oauthError(hr *http.Response) (code, desc string) {
	mt, _, err := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || hr.ContentLength > maxErrorBody {
		return "", ""
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxErrorBody+1))
	if err != nil || len(body) > maxErrorBody {
		return "", ""
	}
	members, err := strictjson.ParseObject(body, 4, nil)
	if err != nil {
		return "", ""
	}
	for _, m := range members {
		switch string(m.Name) {
		case "error":
			code, _ = strictjson.String(m.Value)
		case "error_description":
			desc, _ = strictjson.String(m.Value)
		}
	}
	return code, desc
}
