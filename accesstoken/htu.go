package accesstoken

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// maxURILength bounds a URI that is normalised: a DPoP proof's htu or a
// request's target URI.
const maxURILength = 4096

// normalizeHTTPURI returns the form of an absolute http or https URI that
// RFC 9449 §4.3 compares htu in: syntax-based normalisation (RFC 3986
// §6.2.2: scheme and host in lower case, percent-encodings in upper case,
// percent-encoded unreserved characters decoded, dot segments removed) and
// scheme-based normalisation (§6.2.3: the scheme's default port left out,
// an empty path written "/"). Nothing else is folded: the path keeps its
// case, and a host with a trailing dot is another host.
//
// With stripQuery, the query and the fragment are dropped, as for a
// request's target URI; without it, a URI that has either is refused, as
// for an htu, which RFC 9449 §4.2 defines without them.
func normalizeHTTPURI(s string, stripQuery bool) (string, error) {
	if len(s) > maxURILength {
		return "", errors.New("the URI is longer than " + strconv.Itoa(maxURILength) + " bytes")
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		if !stripQuery {
			return "", errors.New("the URI has a query or a fragment; htu is the target URI without them")
		}
		s = s[:i]
	}
	if isNormalHTTPURI(s) {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("the URI cannot be parsed")
	}
	scheme := strings.ToLower(u.Scheme)
	var defaultPort string
	switch scheme {
	case "https":
		defaultPort = "443"
	case "http":
		defaultPort = "80"
	default:
		return "", errors.New("the URI is not an absolute http or https URI")
	}
	if u.Opaque != "" || u.Host == "" {
		return "", errors.New("the URI has no host")
	}
	if u.User != nil {
		return "", errors.New("the URI carries user information")
	}
	host := u.Hostname()
	if host == "" {
		return "", errors.New("the URI has no host")
	}
	for i := 0; i < len(host); i++ {
		// RFC 3986 §3.2.2: a host is ASCII (an IDN travels as its A-label);
		// strings.ToLower would also turn stray bytes into U+FFFD.
		if host[i] >= 0x80 {
			return "", errors.New("the URI's host is not ASCII")
		}
		// url.Parse decodes percent-encoding in a host, so "%25" arrives
		// as "%": a host name, an IPv4 address or an IPv6 one (its
		// brackets already gone) has none of the characters a normal URI
		// would have to encode again, and one that does could not be
		// compared with the request's.
		if !isHostByte(host[i]) {
			return "", errors.New("the URI's host has a character no host name has")
		}
	}
	host = strings.ToLower(host)
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	// An empty port ("host:") is the default one (RFC 3986 §6.2.3), as is
	// the scheme's own.
	if port := u.Port(); port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return "", errors.New("the URI's port is not a number from 0 to 65535")
		}
		if p := strconv.FormatUint(n, 10); p != defaultPort {
			host += ":" + p
		}
	}
	p := removeDotSegments(normalizePercent(u.EscapedPath()))
	if p == "" {
		p = "/"
	}
	out := scheme + "://" + host + p
	if len(out) > maxURILength {
		// Percent-encoding what the path carried raw can make it grow.
		return "", errors.New("the URI is longer than " + strconv.Itoa(maxURILength) + " bytes once normalised")
	}
	return out, nil
}

// isNormalHTTPURI reports, cheaply and conservatively, whether s is already
// what normalizeHTTPURI would return: "https://" or "http://", a host of
// lower-case letters, digits, "-" and "." with no port, and a non-empty
// path of unreserved characters and "/" with no "." or ".." segment. The
// usual htu and request URI are, and then cost no parsing.
func isNormalHTTPURI(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 {
		return false
	}
	for i := 0; i < slash; i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	path := rest[slash:]
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '/' {
			continue
		}
		if !isUnreserved(c) {
			return false
		}
		if c == '.' && path[i-1] == '/' {
			// A segment starting with a dot: possibly "." or "..".
			return false
		}
	}
	return true
}

// normalizePercent writes percent-encodings in upper case and decodes those
// of unreserved characters (RFC 3986 §6.2.2.1, §6.2.2.2).
func normalizePercent(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' || i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			b.WriteByte(c)
			continue
		}
		v := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(v) {
			b.WriteByte(v)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex(p[i+1]))
			b.WriteByte(upperHex(p[i+2]))
		}
		i += 2
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDotSegments is RFC 3986 §5.2.4 on an absolute path.
func removeDotSegments(in string) string {
	if !strings.Contains(in, ".") {
		return in
	}
	var out []string // output segments, each with its leading "/"
	for len(in) > 0 {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			j := strings.IndexByte(in[1:], '/')
			if j < 0 {
				out = append(out, in)
				in = ""
			} else {
				out = append(out, in[:j+1])
				in = in[j+1:]
			}
		}
	}
	return strings.Join(out, "")
}

// isHostByte reports whether c may appear in a host as a normal URI
// carries it: a letter, a digit, '-', '.', '_' or '~' of a host name, or
// the ':' of an IPv6 address.
func isHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == ':'
}
