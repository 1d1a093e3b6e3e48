package tokentest

import (
	"context"
	"net/http"
	"time"

	"github.com/tokenguard/tokenguard/token"
)

// userinfoProofMaxAge is how far a DPoP proof's iat may be from the
// issuer's clock at the UserInfo endpoint.
const userinfoProofMaxAge = time.Minute

// RequireUserInfoDPoPNonce makes the UserInfo endpoint require, from now on,
// that DPoP proofs carry nonce (RFC 9449 §9): a proof without it, or with
// another, is answered 401 with a DPoP challenge saying
// error="use_dpop_nonce" and the header "DPoP-Nonce: <nonce>". Calling it
// again with another value rotates the nonce; "" stops requiring one.
func (i *Issuer) RequireUserInfoDPoPNonce(nonce string) {
	i.ui.mu.Lock()
	i.ui.nonce = nonce
	i.ui.mu.Unlock()
}

// dpopChallenge answers status with an RFC 9449 §7.1 challenge, and the
// nonce to use in a DPoP-Nonce header when there is one.
func dpopChallenge(w http.ResponseWriter, status int, code, description, nonce string) {
	w.Header().Set("WWW-Authenticate", `DPoP algs="ES256 ES384 ES512 RS256 RS384 RS512 PS256 PS384 PS512 EdDSA", error="`+code+`", error_description="`+description+`"`)
	if nonce != "" {
		w.Header().Set("DPoP-Nonce", nonce)
	}
	writeError(w, status, code, description)
}

// checkUserInfoProof checks the DPoP proof of a UserInfo request carrying
// tok, bound to the key with thumbprint jkt, as a resource server does (RFC
// 9449 §4.3, §7.1): one DPoP header; typ dpop+jwt; a signature by the
// header's key; htm and htu of this request; iat within a minute; ath of
// tok; a jti not seen before; the required nonce; and that key being jkt.
// It answers the request itself and returns false when the proof fails.
func (i *Issuer) checkUserInfoProof(w http.ResponseWriter, r *http.Request, tok, jkt, nonce string) bool {
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		dpopChallenge(w, http.StatusUnauthorized, "invalid_dpop_proof", "a DPoP-bound token needs exactly one DPoP header", "")
		return false
	}
	i.ui.once.Do(func() {
		i.ui.proofs, i.ui.proofsErr = token.NewProofVerifier(token.ProofVerifierConfig{
			CheckHeader: func(h *token.Header) error {
				if !token.MediaTypeIs(h.Type, "dpop+jwt") {
					return token.Errorf(token.ErrDPoPProof, "header.typ", "typ is not dpop+jwt")
				}
				return nil
			},
		})
		i.ui.replay.Now = i.now
	})
	if i.ui.proofsErr != nil {
		writeError(w, http.StatusInternalServerError, "server_error", i.ui.proofsErr.Error())
		return false
	}
	now := i.now()
	var jti, why string
	ver, err := i.ui.proofs.Verify(proofs[0], func(v *token.Verified) error {
		c := &v.Claims
		str := func(name string) string { s, _, _ := c.GetString(name); return s }
		jti = str("jti")
		switch {
		case jti == "":
			why = "the proof has no jti"
		case str("htm") != r.Method:
			why = "the proof's htm is not the request's method"
		case str("htu") != i.UserInfoURL():
			why = "the proof's htu is not " + i.UserInfoURL()
		case c.IssuedAt.IsZero() || c.IssuedAt.Sub(now).Abs() > userinfoProofMaxAge:
			why = "the proof's iat is missing or more than a minute from now"
		case str("ath") != AccessTokenHash(tok):
			why = "the proof's ath is not the hash of the access token"
		default:
			return nil
		}
		return token.Errorf(token.ErrDPoPProof, "", "%s", why)
	})
	if err != nil {
		if why == "" {
			why = "the DPoP proof is not a valid proof signed by the key in its header"
		}
		dpopChallenge(w, http.StatusUnauthorized, "invalid_dpop_proof", why, "")
		return false
	}
	if nonce != "" {
		if got, _, _ := ver.Claims.GetString("nonce"); got != nonce {
			dpopChallenge(w, http.StatusUnauthorized, "use_dpop_nonce", "use the nonce in the DPoP-Nonce header", nonce)
			return false
		}
	}
	if got, err := ver.Key.Thumbprint(); err != nil || got != jkt {
		dpopChallenge(w, http.StatusUnauthorized, "invalid_token", "the access token is bound to another key than the proof's", "")
		return false
	}
	if err := i.ui.replay.Use(context.Background(), "dpop:"+jkt+":"+jti, ver.Claims.IssuedAt.Add(2*userinfoProofMaxAge)); err != nil {
		dpopChallenge(w, http.StatusUnauthorized, "invalid_dpop_proof", "this proof's jti was already used", "")
		return false
	}
	return true
}
