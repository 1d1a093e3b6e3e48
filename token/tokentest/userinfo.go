package tokentest

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// userinfoPath is the UserInfo endpoint's path.
const userinfoPath = "/userinfo"

// userinfoAnswer is how the UserInfo endpoint answers; its failures and
// delay are Issuer.userinfo's, an endpoint like the others.
type userinfoAnswer struct {
	mu      sync.Mutex
	claims  Claims // overrides of the default answer
	subject string // the sub to answer with, whatever the token's; "" for the token's
	signed  bool
	nonce   string // the DPoP nonce proofs must carry; "" for none

	once      sync.Once
	proofs    *token.ProofVerifier
	proofsErr error
	replay    token.MemoryReplayStore // jtis of accepted proofs
}

// UserInfoURL returns the OpenID Connect UserInfo endpoint, the server's
// URL followed by "/userinfo", which the discovery document names as
// userinfo_endpoint.
//
// The endpoint accepts the access tokens this issuer minted and has not
// revoked (AccessToken and OpaqueToken; not refresh tokens, nor tokens past
// their exp), as a bearer token in the Authorization header or, with POST,
// as the access_token form parameter (RFC 6750 §2). A DPoP-bound token
// (DPoPAccessToken, DPoPOpaqueToken) is accepted only as "Authorization:
// DPoP" with one valid proof of its key in the DPoP header (RFC 9449 §7.1:
// typ dpop+jwt, signature, htm, htu UserInfoURL(), iat within a minute,
// ath, a jti not used before, and the nonce RequireUserInfoDPoPNonce set);
// presented as a bearer token it is refused (§7.2). A refused proof gets
// 401 with a DPoP challenge saying error="invalid_dpop_proof",
// "invalid_token" (a proof of another key) or "use_dpop_nonce" with a
// DPoP-Nonce header. It answers the profile
// IDToken carries by default (name, given_name, family_name, nickname,
// email, email_verified, picture, locale, updated_at) with the token's sub,
// as application/json, or as a signed JWT after SignUserInfo(true). Any
// other token gets 401 with a Bearer challenge saying error="invalid_token".
func (i *Issuer) UserInfoURL() string { return i.base + userinfoPath }

// SetUserInfo sets claims the UserInfo endpoint answers from now on, over
// its defaults: a value replaces the default of that name or adds a claim,
// Omit removes one (Claims{"sub": tokentest.Omit} answers without a
// subject), and a value of the wrong JSON type is sent as given. With
// SignUserInfo(true) they also override iss and aud. Nil restores the
// defaults.
func (i *Issuer) SetUserInfo(c Claims) {
	cp := Claims{}
	for k, v := range c {
		cp[k] = v
	}
	i.ui.mu.Lock()
	i.ui.claims = cp
	i.ui.mu.Unlock()
}

// UserInfoSubject makes the UserInfo endpoint answer for subject sub,
// whatever user the access token was issued for: the substituted answer a
// relying party must refuse (the OpenID Foundation's
// rp-userinfo-bad-sub-claim). An empty sub answers for the token's user
// again.
func (i *Issuer) UserInfoSubject(sub string) {
	i.ui.mu.Lock()
	i.ui.subject = sub
	i.ui.mu.Unlock()
}

// SignUserInfo makes the UserInfo endpoint answer, from now on, a JWT
// (Content-Type application/jwt, OpenID Connect Core §5.3.2) signed with the
// issuer's current key and algorithm, carrying iss URL() and aud ClientID()
// besides the claims; false goes back to JSON.
func (i *Issuer) SignUserInfo(signed bool) {
	i.ui.mu.Lock()
	i.ui.signed = signed
	i.ui.mu.Unlock()
}

// FailUserInfo makes the UserInfo endpoint answer status (200 to 599) until
// Heal: 401 and 403 with a Bearer challenge (error="invalid_token" and
// error="insufficient_scope"), any other status with a short JSON error
// body, and 200 with a body that is not a UserInfo answer. Any other status
// fails the test.
func (i *Issuer) FailUserInfo(status int) {
	if i.t != nil {
		i.t.Helper()
	}
	if !i.validStatus("FailUserInfo", status) {
		return
	}
	i.userinfo.fail(status)
}

// SlowUserInfo makes the UserInfo endpoint wait d before answering, or
// until the request's context is done or the issuer is cleaned up, until
// Heal.
func (i *Issuer) SlowUserInfo(d time.Duration) { i.userinfo.slow(d) }

// UserInfoRequests returns how many requests the UserInfo endpoint has
// received, refused and failed ones included.
func (i *Issuer) UserInfoRequests() int { return int(i.userinfo.requests.Load()) }

// profileClaims are the End-User claims of a fresh Auth0 login at now, which
// ID tokens and UserInfo answers carry by default.
func profileClaims(now time.Time) map[string]any {
	return map[string]any{
		"name":           "Jane Doe",
		"given_name":     "Jane",
		"family_name":    "Doe",
		"nickname":       "jane.doe",
		"email":          "jane.doe@example.com",
		"email_verified": true,
		"picture":        "https://tokentest.example/avatars/jane.png",
		"locale":         "en",
		"updated_at":     now.Unix(),
	}
}

// bearerChallenge answers 401 or 403 with an RFC 6750 §3 challenge.
func bearerChallenge(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="tokentest", error="`+code+`", error_description="`+description+`"`)
	writeError(w, status, code, description)
}

// serveUserInfo is the OpenID Connect UserInfo endpoint (Core §5.3).
func (i *Issuer) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	i.userinfo.requests.Add(1)
	fail, delay := i.userinfo.faults()
	if !i.wait(w, r, delay) {
		return
	}
	i.ui.mu.Lock()
	subject, signed, overrides, nonce := i.ui.subject, i.ui.signed, i.ui.claims, i.ui.nonce
	i.ui.mu.Unlock()
	switch fail {
	case 0:
	case http.StatusUnauthorized:
		bearerChallenge(w, fail, "invalid_token", "tokentest: UserInfo refuses the token on purpose (FailUserInfo)")
		return
	case http.StatusForbidden:
		bearerChallenge(w, fail, "insufficient_scope", "tokentest: UserInfo refuses the token on purpose (FailUserInfo)")
		return
	case http.StatusOK:
		writeJSON(w, []byte(`["not a UserInfo answer"]`), "no-store")
		return
	default:
		writeError(w, fail, "temporarily_unavailable", "tokentest: UserInfo fails on purpose (FailUserInfo)")
		return
	}
	scheme, tok, ok := bearerToken(w, r)
	if !ok {
		return
	}
	sub, jkt, ok := i.userinfoSubject(tok)
	switch {
	case !ok && scheme == "DPoP":
		dpopChallenge(w, http.StatusUnauthorized, "invalid_token", "the access token is unknown, revoked, expired or not an access token", "")
		return
	case !ok:
		bearerChallenge(w, http.StatusUnauthorized, "invalid_token", "the access token is unknown, revoked, expired or not an access token")
		return
	case jkt != "" && scheme != "DPoP":
		bearerChallenge(w, http.StatusUnauthorized, "invalid_token", "the access token is bound to a DPoP key; present it as Authorization: DPoP with a proof")
		return
	case jkt == "" && scheme == "DPoP":
		dpopChallenge(w, http.StatusUnauthorized, "invalid_token", "the access token is not bound to a DPoP key; present it as a bearer token", "")
		return
	case jkt != "" && !i.checkUserInfoProof(w, r, tok, jkt, nonce):
		return
	}
	if subject != "" {
		sub = subject
	}
	claims := profileClaims(i.now())
	claims["sub"] = sub
	if signed {
		claims["iss"] = i.url
		claims["aud"] = i.cfg.clientID
	}
	merge(claims, overrides)
	if !signed {
		body, err := marshal(claims)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		writeJSON(w, body, "no-store")
		return
	}
	k := i.current()
	raw, err := i.signMaps(map[string]any{"alg": i.cfg.alg, "kid": k.kid, "typ": "JWT"}, claims, k.signer)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(raw))
}

// bearerToken reads the access token of a UserInfo request and its scheme,
// "Bearer" or "DPoP": from the Authorization header, or with POST from the
// access_token form parameter (a bearer token), not both (RFC 6750 §2). It
// answers the request itself when there is none.
func bearerToken(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	var fromHeader, fromBody string
	scheme := "Bearer"
	if h := r.Header.Get("Authorization"); h != "" {
		s, tok, found := strings.Cut(h, " ")
		switch {
		case found && strings.EqualFold(s, "DPoP") && tok != "":
			scheme = "DPoP"
		case !found || !strings.EqualFold(s, "Bearer") || tok == "":
			bearerChallenge(w, http.StatusBadRequest, "invalid_request", "the Authorization header is not a Bearer or DPoP token")
			return "", "", false
		}
		fromHeader = tok
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
			if err := r.ParseForm(); err != nil {
				writeError(w, http.StatusBadRequest, "invalid_request", "the request body is not a valid form")
				return "", "", false
			}
			fromBody = r.PostForm.Get("access_token")
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "use GET or POST")
		return "", "", false
	}
	switch {
	case fromHeader != "" && fromBody != "":
		bearerChallenge(w, http.StatusBadRequest, "invalid_request", "the access token was sent twice")
		return "", "", false
	case fromHeader == "" && fromBody == "":
		w.Header().Set("WWW-Authenticate", `Bearer realm="tokentest"`)
		writeError(w, http.StatusUnauthorized, "invalid_request", "no access token")
		return "", "", false
	}
	return scheme, fromHeader + fromBody, true
}

// userinfoSubject returns the sub of tok when it is an access token this
// issuer minted, not revoked, and not past its exp, and the thumbprint of
// the DPoP key it is bound to, "" for none.
func (i *Issuer) userinfoSubject(tok string) (string, string, bool) {
	body, ok := i.lookupToken(tok)
	if !ok {
		return "", "", false
	}
	var answer struct {
		Active    bool     `json:"active"`
		TokenType string   `json:"token_type"`
		Subject   string   `json:"sub"`
		Exp       *float64 `json:"exp"`
		Cnf       struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if json.Unmarshal(body, &answer) != nil || !answer.Active {
		return "", "", false
	}
	// A token with cnf.jkt is bound whatever its token_type says.
	switch {
	case strings.EqualFold(answer.TokenType, "Bearer"):
	case strings.EqualFold(answer.TokenType, "DPoP") && answer.Cnf.JKT != "":
	default:
		return "", "", false
	}
	if answer.Exp != nil && !i.now().Before(time.Unix(int64(*answer.Exp), 0)) {
		return "", "", false
	}
	return answer.Subject, answer.Cnf.JKT, true
}
