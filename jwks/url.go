package jwks

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/httpx"
)

// ErrURL is matched (with errors.Is) by the error New and FromIssuer return
// for a URL they refuse to fetch: not absolute, carrying user credentials or
// a fragment, or plain http to a host that is not a loopback address without
// Options.AllowInsecureHTTP. An issuer's discovery document naming such a jwks_uri
// fails the same way.
var ErrURL = errors.New("jwks: URL not acceptable")

// ErrRedirect is matched by the cause of a fetch failure when the server
// redirected to another host or port, or from https to http. Such redirects
// are never followed: keys must come from the URL that was configured.
var ErrRedirect = errors.New("jwks: redirect refused")

// maxRedirects bounds how many same-host redirects one fetch follows.
const maxRedirects = 5

// checkURL parses raw and refuses what must not be fetched. what names the
// URL in messages ("JWKS URL", "issuer").
func checkURL(raw, what string, allowHTTP bool) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: the %s is empty", ErrURL, what)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, query included; keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: the %s is not a URL: %v", ErrURL, what, err)
	}
	// Messages show the URL without its query, which may hold an API key.
	shown := httpx.Redact(u)
	if !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: the %s %q must be an absolute URL such as https://issuer.example.com/.well-known/jwks.json", ErrURL, what, shown)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: the %s must not carry user credentials", ErrURL, what)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%w: the %s %q must not have a fragment", ErrURL, what, shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !allowHTTP && !httpx.IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%w: the %s %q uses http, so anyone on the path could substitute keys; use https, or set Options.AllowInsecureHTTP if the network is trusted", ErrURL, what, shown)
		}
	default:
		return nil, fmt.Errorf("%w: the %s %q must use https", ErrURL, what, shown)
	}
	return u, nil
}

// checkRedirect is the http.Client.CheckRedirect of every client this
// package uses: it follows a few redirects within the same host and port and
// refuses any other, and any downgrade from https to http.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	from := via[0].URL
	to := req.URL
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects from %s", ErrRedirect, maxRedirects, redact(from))
	}
	if !strings.EqualFold(from.Hostname(), to.Hostname()) || effectivePort(from) != effectivePort(to) {
		return fmt.Errorf("%w: %s redirected to another host (%s); keys are only taken from the configured host", ErrRedirect, redact(from), redactHost(to))
	}
	if strings.EqualFold(from.Scheme, "https") && !strings.EqualFold(to.Scheme, "https") {
		return fmt.Errorf("%w: %s redirected from https to %s", ErrRedirect, redact(from), to.Scheme)
	}
	return nil
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// redact renders u for messages and logs without its query, which may
// carry an API key some providers put in JWKS URLs.
func redact(u *url.URL) string { return httpx.Redact(u) }

// redactHost renders only the scheme and host of u (a server chose them),
// bounded and cleaned as every value a message quotes.
func redactHost(u *url.URL) string { return excerpt.Of(u.Scheme + "://" + u.Host) }
