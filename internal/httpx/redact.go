package httpx

import "net/url"

// Redact renders u for error messages and log lines without the parts that
// may carry a secret: user credentials and the fragment are dropped, and a
// query (where some providers put an API key) is shown as "?...". A nil u
// gives "".
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.ForceQuery = false
	if c.RawQuery != "" {
		c.RawQuery = "..."
	}
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}
