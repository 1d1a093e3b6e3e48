package tokentest

import (
	"time"
)

// backChannelLogoutEvent is the events member of a back-channel logout
// token (OpenID Connect Back-Channel Logout 1.0 §2.4).
const backChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// SessionID returns the sid of the login session this issuer's tokens
// belong to: the sid of IDToken and LogoutToken by default, fixed per
// issuer, so a test can end the session an ID token started.
func (i *Issuer) SessionID() string { return i.sid }

// LogoutToken mints an OpenID Connect back-channel logout token, as a
// provider POSTs to an application's backchannel_logout_uri to end a
// session. The defaults: iss URL(), aud ClientID() (a string), sub
// Subject(), sid SessionID(), iat now, exp two minutes from now, a random
// jti, and events holding the back-channel logout member with an empty
// object; header alg, kid and typ "logout+jwt". c overrides or removes
// (Omit) any claim (Claims{"sid": tokentest.Omit} ends every session of the
// user; Claims{"nonce": "n"} makes a token a validator must refuse); opts
// change the header or forge the signature, as for IDToken.
func (i *Issuer) LogoutToken(c Claims, opts ...MintOption) string {
	if i.t != nil {
		i.t.Helper()
	}
	now := i.now()
	claims := map[string]any{
		"iss":    i.url,
		"aud":    i.cfg.clientID,
		"sub":    i.subject,
		"sid":    i.sid,
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"jti":    randomHex(16),
		"events": map[string]any{backChannelLogoutEvent: map[string]any{}},
	}
	raw, _, err := i.mintJWT(claims, "logout+jwt", c, opts)
	if err != nil {
		i.errorf("tokentest: LogoutToken: %v", err)
		return ""
	}
	return raw
}
