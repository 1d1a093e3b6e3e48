package tokentest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The server's paths.
const (
	discoveryPath   = "/.well-known/openid-configuration"
	oauthMetaPath   = "/.well-known/oauth-authorization-server"
	jwksPath        = "/jwks.json"
	introspectPath  = "/introspect"
	maxRequestBytes = 64 << 10 // bound on an introspection request's body
)

func (i *Issuer) routes() http.Handler {
	mux := http.NewServeMux()
	switch i.cfg.provider {
	case EntraIDv1:
		mux.HandleFunc("/{tenant}"+discoveryPath, i.serveTenantDiscovery)
		mux.HandleFunc(oauthMetaPath+"/{tenant}", i.serveTenantDiscovery)
	case EntraIDv2:
		mux.HandleFunc("/{tenant}/v2.0"+discoveryPath, i.serveTenantDiscovery)
		mux.HandleFunc(oauthMetaPath+"/{tenant}/v2.0", i.serveTenantDiscovery)
	default:
		path := strings.TrimSuffix(i.cfg.provider.issuerPath(), "/")
		mux.HandleFunc(path+discoveryPath, i.serveDiscovery)
		mux.HandleFunc(oauthMetaPath+path, i.serveDiscovery)
	}
	mux.HandleFunc(jwksPath, i.serveJWKS)
	mux.HandleFunc(introspectPath, i.serveIntrospection)
	mux.HandleFunc(userinfoPath, i.serveUserInfo)
	return mux
}

// wait waits d, or until the request is abandoned or the issuer cleaned up.
// It reports whether the handler should go on answering.
func (i *Issuer) wait(w http.ResponseWriter, r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-i.closed:
		writeError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the tokentest issuer is shutting down")
		return false
	}
}

// writeError answers an OAuth-style JSON error (RFC 6749 §5.2).
func writeError(w http.ResponseWriter, status int, code, description string) {
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, body []byte, cacheControl string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	_, _ = w.Write(body)
}

// getOnly refuses methods other than GET and HEAD with 405.
func getOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, http.StatusMethodNotAllowed, "invalid_request", "use GET")
	return false
}

// serveDiscovery answers the OpenID Connect discovery document (and the
// RFC 8414 one, which is the same here).
func (i *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	i.discovery(w, r, i.url)
}

// serveTenantDiscovery answers the discovery document of the tenant in the
// path, as Entra ID does for every tenant; at "common" and "organizations"
// its issuer is the multi-tenant template.
func (i *Issuer) serveTenantDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	switch {
	case tenant == "common" || tenant == "organizations":
		i.discovery(w, r, i.IssuerTemplate())
	case validTenant(tenant):
		i.discovery(w, r, i.tenantIssuer(tenant))
	default:
		i.discoveryRequests.Add(1)
		writeError(w, http.StatusBadRequest, "invalid_tenant", "tokentest: not a tenant identifier")
	}
}

// validTenant reports whether t has the form of a tenant ID.
func validTenant(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// discovery answers the discovery document of issuer.
func (i *Issuer) discovery(w http.ResponseWriter, r *http.Request, issuer string) {
	i.discoveryRequests.Add(1)
	// Discovery fails with the JWKS endpoint, and answers at once.
	if fail, _ := i.jwks.faults(); fail != 0 {
		writeError(w, fail, "temporarily_unavailable", "tokentest: discovery fails on purpose (FailJWKS)")
		return
	}
	if !getOnly(w, r) {
		return
	}
	doc := map[string]any{
		"issuer":                                        issuer,
		"jwks_uri":                                      i.JWKSURL(),
		"introspection_endpoint":                        i.IntrospectionURL(),
		"authorization_endpoint":                        i.base + "/authorize",
		"token_endpoint":                                i.base + "/oauth/token",
		"userinfo_endpoint":                             i.UserInfoURL(),
		"id_token_signing_alg_values_supported":         []string{i.cfg.alg},
		"response_types_supported":                      []string{"code", "id_token", "code id_token"},
		"subject_types_supported":                       []string{"public"},
		"scopes_supported":                              []string{"openid", "profile", "email", "offline_access"},
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	}
	body, err := marshal(doc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	writeJSON(w, body, "max-age=300")
}

// serveJWKS answers the published keys.
func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if !i.admit(w, r, &i.jwks, "tokentest: JWKS fails on purpose (FailJWKS)") || !getOnly(w, r) {
		return
	}
	i.mu.Lock()
	doc := i.jwksDoc
	i.mu.Unlock()
	writeJSON(w, doc, "max-age=300")
}

// serveIntrospection is the RFC 7662 endpoint.
func (i *Issuer) serveIntrospection(w http.ResponseWriter, r *http.Request) {
	if !i.admit(w, r, &i.intro, "tokentest: introspection fails on purpose (FailIntrospection)") {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request", "the request body is too large")
			return
		}
		writeError(w, http.StatusBadRequest, "invalid_request", "the request body is not a valid form")
		return
	}
	if status, code, desc := i.authenticate(r); status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="tokentest"`)
		}
		writeError(w, status, code, desc)
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "the token parameter is missing")
		return
	}
	body, ok := i.lookupToken(tok)
	if !ok {
		body = []byte(`{"active":false}`)
	}
	writeJSON(w, body, "no-store")
}

// authenticate checks the client credentials, sent with client_secret_basic
// (each part form-urlencoded, RFC 6749 §2.3.1) or client_secret_post. It
// returns a zero status when they are the configured ones.
func (i *Issuer) authenticate(r *http.Request) (status int, code, desc string) {
	authz := r.Header.Get("Authorization")
	_, postSecret := r.PostForm["client_secret"]
	switch {
	case authz != "" && postSecret:
		return http.StatusBadRequest, "invalid_request", "use one client authentication method, not both Basic and client_secret"
	case authz != "":
		user, pass, ok := r.BasicAuth()
		if !ok {
			return http.StatusUnauthorized, "invalid_client", "the Authorization header is not HTTP Basic"
		}
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return http.StatusUnauthorized, "invalid_client", "the Basic credentials are not form-urlencoded"
		}
		if !i.validClient(id, secret) {
			return http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret"
		}
	case postSecret:
		if !i.validClient(r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")) {
			return http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret"
		}
	default:
		return http.StatusUnauthorized, "invalid_client", "client authentication is required"
	}
	return 0, "", ""
}

func (i *Issuer) validClient(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(i.cfg.introID))
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(i.cfg.introSecret))
	return idOK&secretOK == 1
}
