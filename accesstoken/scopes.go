package accesstoken

import (
	"github.com/tokenguard/tokenguard/internal/scope"
	"github.com/tokenguard/tokenguard/internal/strictjson"
	"github.com/tokenguard/tokenguard/token"
)

// Scopes and permissions come in three shapes, all read straight from the
// claim's raw JSON (no encoding/json on the hot path):
//
//   - "scope": a space-separated string (RFC 8693 §4.2, RFC 9068 §2.2.3,
//     Auth0, Keycloak, Okta's introspection).
//   - "scp": an array of strings (Okta) or a space-separated string
//     (Microsoft Entra ID). Used only when "scope" is absent, but its type is
//     checked either way.
//   - "permissions": an array of strings (Auth0 RBAC).
//
// A value of any other JSON type is refused, never read as "no scopes".

// scopesOf returns the scopes of a JWT's claims, as find noted them. The
// strings are read from the claims' raw JSON, which shares the decoded
// claims' memory instead of copying each value: a scope list costs one
// allocation, for the slice.
func scopesOf(f *found) ([]string, error) {
	var scopes []string
	raw, hasScope := f.get(claimScope)
	if hasScope {
		s, isString := strictjson.String(raw)
		if !isString {
			return nil, token.Errorf(token.ErrInvalidClaim, "scope", "must be a space-separated string; found %s", strictjson.Kind(raw))
		}
		scopes = scope.Split(s)
	}
	raw, hasSCP := f.get(claimSCP)
	if !hasSCP {
		return scopes, nil
	}
	var list []string
	if s, ok := strictjson.String(raw); ok {
		list = scope.Split(s)
	} else if len(raw) > 0 && raw[0] == '[' {
		// An array is read by token.Claims' own reader: one lookup, for a
		// claim that is there.
		var err error
		if list, _, err = f.c.GetStrings("scp"); err != nil {
			return nil, err
		}
	} else {
		return nil, token.Errorf(token.ErrInvalidClaim, "scp", "must be a space-separated string or an array of strings; found %s", strictjson.Kind(raw))
	}
	if hasScope {
		return scopes, nil
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

// permissionsOf returns a JWT's permissions array, as find noted it.
func permissionsOf(f *found) ([]string, error) {
	raw, present := f.get(claimPermissions)
	if !present {
		return nil, nil
	}
	// GetStrings reads an array of strings, or one string as a list of one:
	// only for one element, or an error, is the raw value looked at too.
	list, _, err := f.c.GetStrings("permissions")
	if err != nil || len(list) == 1 {
		if len(raw) == 0 || raw[0] != '[' {
			return nil, token.Errorf(token.ErrInvalidClaim, "permissions", "must be an array of strings; found %s", strictjson.Kind(raw))
		}
		if err != nil {
			// For the message: which element is wrong. The claims' text
			// went through token's checks, but token.Claims hands it out
			// unmarked: checking it again costs little on this path, where
			// the token is refused anyway.
			if checked, cerr := strictjson.Check([]byte(raw), token.MaxClaimsDepth); cerr == nil {
				_, err = stringArray("permissions", checked)
			}
			return nil, err
		}
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

// clientClaims are the claims that name the client a JWT access token was
// issued to, in order of preference: client_id (RFC 9068, Cognito, Ory,
// Keycloak service accounts), azp (OpenID Connect's authorized party, as
// Auth0, Keycloak and Entra ID v2 write it), cid (Okta) and appid (Entra ID
// v1). By number (see claimNumber).
var clientClaims = [...]int{claimClientID, claimAZP, claimCID, claimAppID}

// clientIDOf returns the client the token was issued to, and whether the
// token names one, from the claims find noted. Each of clientClaims must be
// a string when present (an empty string names nothing), and client_id and
// azp must agree when both name a client, since a token cannot have been
// issued to two clients.
func clientIDOf(f *found) (id string, named bool, err error) {
	for _, n := range clientClaims {
		s, ok, err := f.getString(n)
		if err != nil {
			return "", false, err
		}
		if !ok || s == "" {
			continue
		}
		if !named {
			id, named = s, true
		} else if n == claimAZP && s != id {
			return "", false, token.Errorf(token.ErrInvalidClaim, "azp", "client_id and azp name different clients; they must name the same one")
		}
	}
	return id, named, nil
}

// stringOrStrings reads a space-separated string or an array of strings.
func stringOrStrings[T strictjson.Text](name string, raw strictjson.Checked[T]) ([]string, error) {
	if s, ok := strictjson.String(raw.Text()); ok {
		return scope.Split(s), nil
	}
	list, err := stringArray(name, raw)
	if err != nil {
		return nil, token.Errorf(token.ErrInvalidClaim, name, "must be a space-separated string or an array of strings; found %s", describe(raw))
	}
	return list, nil
}

// stringArray reads an array of strings; an empty array gives nil.
func stringArray[T strictjson.Text](name string, raw strictjson.Checked[T]) ([]string, error) {
	var buf [16]strictjson.Checked[T]
	elems, ok := strictjson.Elements(raw, buf[:0])
	if !ok {
		return nil, token.Errorf(token.ErrInvalidClaim, name, "must be an array of strings; found %s", strictjson.Kind(raw.Text()))
	}
	if len(elems) == 0 {
		return nil, nil
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		s, ok := strictjson.String(e.Text())
		if !ok {
			return nil, token.Errorf(token.ErrInvalidClaim, name, "must be an array of strings; element %d is %s", i, strictjson.Kind(e.Text()))
		}
		out[i] = s
	}
	return out, nil
}

// describe names a raw value's JSON type, and for an array that holds
// something else than strings says so.
func describe[T strictjson.Text](raw strictjson.Checked[T]) string {
	var buf [16]strictjson.Checked[T]
	if elems, ok := strictjson.Elements(raw, buf[:0]); ok {
		for _, e := range elems {
			if _, isString := strictjson.String(e.Text()); !isString {
				return "an array holding " + strictjson.Kind(e.Text())
			}
		}
	}
	return strictjson.Kind(raw.Text())
}
