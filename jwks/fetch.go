package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/token"
)

// errFetchTimeout is the cause of a fetch's context when Options.Timeout
// ended it, which tells it apart from the caller's own deadline.
var errFetchTimeout = errors.New("jwks: fetch timeout")

// statusError is the cause of a fetch failure when the server answered a
// status other than 200. Discovery falls back to RFC 8414 on it.
type statusError struct{ code int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP status %d %s", e.code, http.StatusText(e.code))
}

// unavailable builds the error of every fetch failure. The formatted text
// (which URL, what went wrong) is its Detail, for the server's log; its
// Reason, which a client may be shown, says only that the keys could not
// be had. cause must not match another token sentinel, so that the error
// matches exactly one.
func unavailable(cause error, format string, args ...any) *token.ValidationError {
	return &token.ValidationError{Kind: token.ErrUnavailable, Reason: "the issuer's keys could not be obtained",
		Detail: fmt.Sprintf(format, args...), Err: cause}
}

// reasonOf renders err for a Reason without keeping it in the error chain:
// a parse failure matches token.ErrMalformed, which would say the token was
// at fault when the key set is.
func reasonOf(err error) string {
	var ve *token.ValidationError
	if errors.As(err, &ve) {
		s := ve.Reason
		if ve.Detail != "" {
			s += "; " + ve.Detail
		}
		if ve.Err != nil {
			s += ": " + ve.Err.Error()
		}
		return s
	}
	return err.Error()
}

// get fetches u with GET and returns the body of a 200 answer, read up to
// c.maxBody bytes, and the answer's headers. Every error matches
// token.ErrUnavailable; it never holds the URL's query.
func (c *config) get(ctx context.Context, u *url.URL, accept string) ([]byte, http.Header, error) {
	shown := redact(u)
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, errFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, unavailable(nil, "cannot build a request for %s: %v", shown, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, nil, c.transportError(ctx, shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.Header, unavailable(&statusError{code: resp.StatusCode}, "%s answered status %d; expected 200", shown, resp.StatusCode)
	}
	if resp.ContentLength > c.maxBody {
		return nil, resp.Header, unavailable(nil, "%s answered %d bytes; at most %d are read (Options.MaxBodySize)", shown, resp.ContentLength, c.maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, resp.Header, c.transportError(ctx, shown, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, resp.Header, unavailable(nil, "%s answered more than %d bytes (Options.MaxBodySize)", shown, c.maxBody)
	}
	return body, resp.Header, nil
}

// transportError explains a failure to connect or to read the answer.
func (c *config) transportError(ctx context.Context, shown string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the URL, query and all
	}
	switch {
	case errors.Is(err, ErrRedirect):
		return unavailable(err, "%s could not be fetched", shown)
	case context.Cause(ctx) == errFetchTimeout:
		return unavailable(context.DeadlineExceeded, "%s did not answer within %v (Options.Timeout)", shown, c.timeout)
	case ctx.Err() != nil:
		return unavailable(ctx.Err(), "the fetch of %s was abandoned", shown)
	}
	return unavailable(err, "%s could not be fetched", shown)
}

// fetched is the outcome of one successful JWKS fetch.
type fetched struct {
	set  *token.KeySet
	next time.Duration // when to refresh, from the caching headers, clamped
}

// fetchKeys fetches and parses the JWKS document at u. Keys that cannot
// verify signatures are skipped (token.ParseKeySet); a document left with no
// usable key is a failure.
func (c *config) fetchKeys(ctx context.Context, u *url.URL) (fetched, error) {
	body, hdr, err := c.get(ctx, u, "application/jwk-set+json, application/json;q=0.9")
	if err != nil {
		return fetched{}, err
	}
	set, err := token.ParseKeySet(body)
	if err != nil {
		return fetched{}, unavailable(nil, "the JWKS document at %s is not usable: %s", redact(u), reasonOf(err))
	}
	if set.Len() == 0 {
		why := ""
		if sk := set.Skipped(); len(sk) > 0 {
			why = fmt.Sprintf(" (%d skipped; the first, %q, because %s)", len(sk), excerpt.Of(sk[0].KeyID), sk[0].Reason)
		}
		return fetched{}, unavailable(nil, "the JWKS document at %s has no usable signing key%s", redact(u), why)
	}
	return fetched{set: set, next: refreshAfter(hdr, c.now(), c.minRefresh, c.maxRefresh)}, nil
}
