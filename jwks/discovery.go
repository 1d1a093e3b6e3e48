package jwks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// Well-known paths of the two discovery documents.
const (
	oidcWellKnown  = "/.well-known/openid-configuration"       // OpenID Connect Discovery 1.0 §4
	oauthWellKnown = "/.well-known/oauth-authorization-server" // RFC 8414 §3
)

// Discovery is an issuer's metadata: an OpenID Provider configuration
// (OpenID Connect Discovery 1.0 §3) or OAuth 2.0 Authorization Server
// metadata (RFC 8414 §2), which share these members. A member the document
// does not carry (or carries as null) is left empty.
type Discovery struct {
	// Issuer is "issuer", which FromIssuer checks is exactly the configured
	// issuer.
	Issuer string
	// JWKSURI is "jwks_uri", the key set FromIssuer fetches.
	JWKSURI string
	// IntrospectionEndpoint is "introspection_endpoint" (RFC 7662), for
	// introspect.Config.Endpoint.
	IntrospectionEndpoint string
	// AuthorizationEndpoint is "authorization_endpoint".
	AuthorizationEndpoint string
	// TokenEndpoint is "token_endpoint".
	TokenEndpoint string
	// UserinfoEndpoint is "userinfo_endpoint".
	UserinfoEndpoint string
	// RevocationEndpoint is "revocation_endpoint" (RFC 7009).
	RevocationEndpoint string
	// EndSessionEndpoint is "end_session_endpoint" (OpenID Connect
	// RP-Initiated Logout).
	EndSessionEndpoint string
	// RegistrationEndpoint is "registration_endpoint".
	RegistrationEndpoint string
	// IDTokenSigningAlgValues is "id_token_signing_alg_values_supported":
	// the algorithms the issuer signs ID tokens with, a good choice for a
	// validator's allow-list.
	IDTokenSigningAlgValues []string
	// ResponseTypes is "response_types_supported".
	ResponseTypes []string
	// ResponseModes is "response_modes_supported".
	ResponseModes []string
	// GrantTypes is "grant_types_supported".
	GrantTypes []string
	// SubjectTypes is "subject_types_supported".
	SubjectTypes []string
	// Scopes is "scopes_supported".
	Scopes []string
	// Claims is "claims_supported": the claim names the issuer may send.
	Claims []string
	// TokenEndpointAuthMethods is "token_endpoint_auth_methods_supported".
	TokenEndpointAuthMethods []string
	// IntrospectionEndpointAuthMethods is
	// "introspection_endpoint_auth_methods_supported".
	IntrospectionEndpointAuthMethods []string
	// CodeChallengeMethods is "code_challenge_methods_supported" (PKCE).
	CodeChallengeMethods []string
	// Raw is the whole document as received, for members not listed here.
	// It has passed the strict checks of ParseDiscovery.
	Raw []byte
}

// discoveryMaxDepth bounds nesting in a discovery document; real ones nest
// two or three levels (mtls_endpoint_aliases).
const discoveryMaxDepth = 16

// ParseDiscovery reads a discovery document strictly: one JSON object with
// no duplicate member names (also under case folding), valid UTF-8 and
// bounded nesting; every member listed in Discovery, when present and not
// null, of its JSON type (a string, or an array of strings); and a
// non-empty issuer. Members it does not know are allowed and kept in Raw.
// Every error matches token.ErrMalformed.
func ParseDiscovery(doc []byte) (*Discovery, error) {
	members, err := strictjson.ParseObject(doc, discoveryMaxDepth, nil)
	if err != nil {
		return nil, &token.ValidationError{Kind: token.ErrMalformed, Reason: "the discovery document is not one strict JSON object", Err: err}
	}
	d := &Discovery{Raw: slices.Clone(doc)}
	strs := map[string]*string{
		"issuer":                 &d.Issuer,
		"jwks_uri":               &d.JWKSURI,
		"introspection_endpoint": &d.IntrospectionEndpoint,
		"authorization_endpoint": &d.AuthorizationEndpoint,
		"token_endpoint":         &d.TokenEndpoint,
		"userinfo_endpoint":      &d.UserinfoEndpoint,
		"revocation_endpoint":    &d.RevocationEndpoint,
		"end_session_endpoint":   &d.EndSessionEndpoint,
		"registration_endpoint":  &d.RegistrationEndpoint,
	}
	lists := map[string]*[]string{
		"id_token_signing_alg_values_supported":         &d.IDTokenSigningAlgValues,
		"response_types_supported":                      &d.ResponseTypes,
		"response_modes_supported":                      &d.ResponseModes,
		"grant_types_supported":                         &d.GrantTypes,
		"subject_types_supported":                       &d.SubjectTypes,
		"scopes_supported":                              &d.Scopes,
		"claims_supported":                              &d.Claims,
		"token_endpoint_auth_methods_supported":         &d.TokenEndpointAuthMethods,
		"introspection_endpoint_auth_methods_supported": &d.IntrospectionEndpointAuthMethods,
		"code_challenge_methods_supported":              &d.CodeChallengeMethods,
	}
	for _, m := range members {
		name := string(m.Name)
		if strictjson.IsNull(m.Value) {
			continue
		}
		if p, ok := strs[name]; ok {
			s, ok := strictjson.String(m.Value)
			if !ok {
				return nil, token.Errorf(token.ErrMalformed, name, "%s in the discovery document is %s; expected a string", name, strictjson.Kind(m.Value))
			}
			*p = s
			continue
		}
		if p, ok := lists[name]; ok {
			elems, ok := strictjson.Elements(m.Checked(), nil)
			if !ok {
				return nil, token.Errorf(token.ErrMalformed, name, "%s in the discovery document is %s; expected an array of strings", name, strictjson.Kind(m.Value))
			}
			list := make([]string, 0, len(elems))
			for i, e := range elems {
				s, ok := strictjson.String(e.Text())
				if !ok {
					return nil, token.Errorf(token.ErrMalformed, name, "element %d of %s in the discovery document is %s; expected a string", i, name, strictjson.Kind(e.Text()))
				}
				list = append(list, s)
			}
			*p = list
		}
	}
	if d.Issuer == "" {
		return nil, token.Errorf(token.ErrMalformed, "issuer", "the discovery document has no issuer")
	}
	return d, nil
}

func (d *Discovery) clone() *Discovery {
	c := *d
	for _, p := range []*[]string{
		&c.IDTokenSigningAlgValues, &c.ResponseTypes, &c.ResponseModes, &c.GrantTypes, &c.SubjectTypes,
		&c.Scopes, &c.Claims, &c.TokenEndpointAuthMethods, &c.IntrospectionEndpointAuthMethods, &c.CodeChallengeMethods,
	} {
		*p = slices.Clone(*p)
	}
	c.Raw = slices.Clone(c.Raw)
	return &c
}

// FromIssuer reads the issuer's discovery document, checks it, and returns a
// Remote for its jwks_uri, as New does; Remote.Discovery returns the
// document.
//
// The document is looked for first at the OpenID Connect location (the
// issuer, without a trailing slash, followed by
// /.well-known/openid-configuration), and when that answers a status other
// than 200, at the RFC 8414 location (/.well-known/oauth-authorization-server
// inserted between the host and the issuer's path, so issuer
// https://as.example.com/tenant1 is looked up at
// https://as.example.com/.well-known/oauth-authorization-server/tenant1).
// Its issuer must equal the configured issuer exactly, byte for byte (a
// trailing slash counts), as both specifications require; otherwise a
// document served by one issuer could vouch for keys of another. Its
// jwks_uri must be present and pass the same URL rules as New's, except
// that an https issuer's jwks_uri must use https even on a loopback address
// (unless Options.AllowInsecureHTTP is set). The
// document is read once; only the key set is refreshed.
//
// The issuer must be an https URL without query or fragment (http only on a
// loopback address or with Options.AllowInsecureHTTP), or the error matches ErrURL.
// Every failure to get a usable document or key set matches
// token.ErrUnavailable.
func FromIssuer(ctx context.Context, issuer string, opts Options) (*Remote, error) {
	cfg, err := opts.config()
	if err != nil {
		return nil, err
	}
	iu, err := checkURL(issuer, "issuer", cfg.allowHTTP)
	if err != nil {
		return nil, err
	}
	if iu.RawQuery != "" || iu.ForceQuery {
		return nil, fmt.Errorf("%w: the issuer %q must not have a query", ErrURL, issuer)
	}
	d, err := discover(ctx, cfg, issuer, iu)
	if err != nil {
		cfg.release()
		return nil, err
	}
	ju, err := checkURL(d.JWKSURI, "jwks_uri", cfg.allowHTTP)
	if err == nil {
		err = checkDowngrade(iu, ju, cfg.allowHTTP)
	}
	if err != nil {
		cfg.release()
		return nil, unavailable(err, "the discovery document of %s names a jwks_uri this package will not fetch", issuer)
	}
	return start(ctx, cfg, ju, d)
}

// checkDowngrade refuses a plain-http jwks_uri named by the discovery
// document of an https issuer, even on a loopback address: the keys would
// then come with less protection than the document that named them (and a
// document from a remote https issuer has no business pointing at this
// machine's own ports). A plain-http loopback jwks_uri is accepted only
// when the issuer itself is plain http (which checkURL allows only on a
// loopback address), or with Options.AllowInsecureHTTP.
func checkDowngrade(iu, ju *url.URL, allowHTTP bool) error {
	if allowHTTP || !strings.EqualFold(ju.Scheme, "http") || strings.EqualFold(iu.Scheme, "http") {
		return nil
	}
	return fmt.Errorf("%w: the jwks_uri %s of an https issuer uses http, so anyone on the path could substitute keys; it must use https too, or set Options.AllowInsecureHTTP if the network is trusted", ErrURL, redact(ju))
}

// discoveryURLs returns the OpenID Connect and the RFC 8414 locations of
// the discovery document of issuer iu.
func discoveryURLs(iu *url.URL) [2]*url.URL {
	oidc := *iu
	oidc.Path = strings.TrimSuffix(iu.Path, "/") + oidcWellKnown
	oidc.RawPath = ""
	if iu.RawPath != "" {
		oidc.RawPath = strings.TrimSuffix(iu.RawPath, "/") + oidcWellKnown
	}
	oauth := *iu
	oauth.Path = oauthWellKnown + strings.TrimSuffix(iu.Path, "/")
	oauth.RawPath = ""
	if iu.RawPath != "" {
		oauth.RawPath = oauthWellKnown + strings.TrimSuffix(iu.RawPath, "/")
	}
	return [2]*url.URL{&oidc, &oauth}
}

// discover fetches and checks the discovery document.
func discover(ctx context.Context, cfg *config, issuer string, iu *url.URL) (*Discovery, error) {
	var errs [2]error
	for i, u := range discoveryURLs(iu) {
		body, _, err := cfg.get(ctx, u, "application/json")
		if err != nil {
			errs[i] = err
			var se *statusError
			if errors.As(err, &se) {
				continue // not served here; try the other location
			}
			return nil, err
		}
		d, err := ParseDiscovery(body)
		if err != nil {
			return nil, unavailable(nil, "the discovery document at %s is not usable: %s", redact(u), reasonOf(err))
		}
		if d.Issuer != issuer {
			return nil, &token.ValidationError{Kind: token.ErrUnavailable, Claim: "issuer",
				Reason: fmt.Sprintf("the discovery document at %s names issuer %q; expected exactly %q", redact(u), excerpt.Of(d.Issuer), issuer)}
		}
		if d.JWKSURI == "" {
			return nil, unavailable(nil, "the discovery document at %s has no jwks_uri", redact(u))
		}
		return d, nil
	}
	return nil, unavailable(nil, "no discovery document for issuer %s: %s; %s", issuer, reasonOf(errs[0]), reasonOf(errs[1]))
}
