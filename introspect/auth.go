package introspect

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenguard/tokenguard/internal/httpx"
)

// AuthMethod is how the client authenticates this resource server to the
// introspection endpoint (RFC 7662 §2.1 requires some authentication). The
// values of the first two are the names OAuth discovery metadata uses in
// introspection_endpoint_auth_methods_supported.
type AuthMethod string

const (
	// AuthClientSecretBasic sends Config.ClientID and Config.ClientSecret in
	// an HTTP Basic Authorization header, each first encoded with the
	// application/x-www-form-urlencoded algorithm as RFC 6749 §2.3.1
	// requires (so "a b:c" is sent as "a+b%3Ac"). Identifiers and secrets of
	// letters, digits and "-._~" are unchanged by that encoding. It is the
	// default.
	AuthClientSecretBasic AuthMethod = "client_secret_basic"
	// AuthClientSecretPost sends client_id and client_secret as form
	// parameters in the request body (RFC 6749 §2.3.1).
	AuthClientSecretPost AuthMethod = "client_secret_post"
	// AuthBearer sends Config.BearerToken, an access token this resource
	// server holds for the introspection endpoint, in an Authorization:
	// Bearer header (RFC 6750 §2.1).
	AuthBearer AuthMethod = "bearer"
)

// credentials applies one AuthMethod to requests. It is built once, by
// NewClient, so each request costs no re-encoding.
type credentials struct {
	method        AuthMethod
	authorization string // the Authorization header, for basic and bearer
	clientID      string // for post
	clientSecret  string // for post
	secrets       []string
}

func newCredentials(cfg *Config) (credentials, error) {
	method := cfg.AuthMethod
	if method == "" {
		method = AuthClientSecretBasic
	}
	c := credentials{method: method}
	switch method {
	case AuthClientSecretBasic, AuthClientSecretPost:
		if cfg.ClientID == "" {
			return c, fmt.Errorf("introspect: Config.ClientID is required for AuthMethod %s: the authorization server must know which resource server is asking", method)
		}
		if cfg.ClientSecret == "" {
			return c, fmt.Errorf("introspect: Config.ClientSecret is required for AuthMethod %s", method)
		}
		if cfg.BearerToken != "" {
			return c, fmt.Errorf("introspect: Config.BearerToken is set but AuthMethod is %s, which sends ClientID and ClientSecret; set AuthMethod to %s to use the bearer token", method, AuthBearer)
		}
		c.secrets = []string{cfg.ClientSecret, url.QueryEscape(cfg.ClientSecret)}
		if method == AuthClientSecretBasic {
			pair := url.QueryEscape(cfg.ClientID) + ":" + url.QueryEscape(cfg.ClientSecret)
			encoded := base64.StdEncoding.EncodeToString([]byte(pair))
			c.authorization = "Basic " + encoded
			// base64 only encodes the secret: a server that echoes the
			// header must not get it into a message. Without its padding,
			// the encoding also matches an echo that dropped the padding.
			c.secrets = append(c.secrets, strings.TrimRight(encoded, "="))
		} else {
			c.clientID, c.clientSecret = cfg.ClientID, cfg.ClientSecret
		}
	case AuthBearer:
		if cfg.BearerToken == "" {
			return c, fmt.Errorf("introspect: Config.BearerToken is required for AuthMethod %s", method)
		}
		if cfg.ClientSecret != "" {
			return c, fmt.Errorf("introspect: Config.ClientSecret is set but AuthMethod is %s, which sends only BearerToken; leave ClientSecret empty or choose %s or %s", method, AuthClientSecretBasic, AuthClientSecretPost)
		}
		if httpx.InvalidB64Token(cfg.BearerToken) >= 0 {
			return c, fmt.Errorf("introspect: Config.BearerToken holds characters a bearer token may not contain (RFC 6750 §2.1 allows letters, digits and -._~+/ with trailing =)")
		}
		c.authorization = "Bearer " + cfg.BearerToken
		c.secrets = []string{cfg.BearerToken}
	default:
		return c, fmt.Errorf("introspect: Config.AuthMethod %q is not supported; use %s (the default), %s or %s", string(method), AuthClientSecretBasic, AuthClientSecretPost, AuthBearer)
	}
	return c, nil
}

// apply adds the credentials to a request and, for client_secret_post, to
// its form.
func (c *credentials) apply(h http.Header, form url.Values) {
	if c.authorization != "" {
		h.Set("Authorization", c.authorization)
	}
	if c.method == AuthClientSecretPost {
		form.Set("client_id", c.clientID)
		form.Set("client_secret", c.clientSecret)
	}
}
