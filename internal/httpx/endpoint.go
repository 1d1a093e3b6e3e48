package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// CheckEndpoint parses raw, the URL of an endpoint a token or credentials
// are sent to, and refuses what must not be: a URL that is not absolute,
// carries user credentials or a fragment, or uses a scheme other than https
// (http only on a loopback address, or everywhere when allowInsecureHTTP is
// set). field names the setting in the error ("introspect:
// Config.Endpoint"), which says why in words fit for an operator and shows
// the URL through Redact only.
func CheckEndpoint(raw, field string, allowInsecureHTTP bool) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is empty", field)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// A *url.Error quotes the whole URL, query included; keep only why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s is not a URL: %w", field, err)
	}
	shown := Redact(u)
	switch {
	case !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%s %q must be an absolute URL such as https://issuer.example.com/path", field, shown)
	case u.User != nil:
		return nil, fmt.Errorf("%s must not carry user credentials", field)
	case strings.Contains(raw, "#"):
		return nil, fmt.Errorf("%s %q must not have a fragment", field, shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !allowInsecureHTTP && !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s %q uses http, which would send tokens and credentials in clear text; use https, or set AllowInsecureHTTP if the network is trusted", field, shown)
		}
	default:
		return nil, fmt.Errorf("%s %q must use https", field, shown)
	}
	return u, nil
}

// ErrBodyTooLarge is returned by ReadBody for a body longer than its limit.
var ErrBodyTooLarge = errors.New("body larger than the limit")

// ReadBody reads r to its end, but never more than limit+1 bytes: a body
// announced (contentLength) or found to be longer than limit is refused
// with ErrBodyTooLarge without being read further. contentLength is -1 when
// unknown.
func ReadBody(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength > limit {
		return nil, ErrBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}
