// Package httpx holds the HTTP rules and plumbing several packages share:
// the loopback rule for plain-http URLs, the check of an endpoint URL, the
// transport jwks, introspect and the UserInfo client build when the caller
// gives no client, bounded reading of answers, the redaction of URLs and
// server text in messages, and RFC 6750's b64token syntax that the
// middleware, the access token validator and the introspection client all
// apply.
package httpx

import (
	"net"
	"net/http"
	"strings"
)

// IsLoopback reports whether host is "localhost" or a loopback IP address
// (127.0.0.0/8, ::1). Names other than localhost are not resolved: what a
// name resolves to can change after the check.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewTransport returns a transport like http.DefaultTransport (proxy from
// the environment, HTTP/2, its timeouts) whose answers' headers are bounded
// to maxHeaderBytes, so a hostile server cannot make us buffer megabytes of
// headers.
func NewTransport(maxHeaderBytes int64) *http.Transport {
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	}
	t.MaxResponseHeaderBytes = maxHeaderBytes
	return t
}
