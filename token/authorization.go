package token

import (
	"errors"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// A Requirement says which values a claim must hold, the way providers
// express roles and groups: Entra ID's "roles", Okta's "groups", Keycloak's
// realm_access.roles and resource_access.<client>.roles, Cognito's
// "cognito:groups", Auth0's namespaced claims ("https://example.com/roles"),
// ZITADEL's "urn:zitadel:iam:org:project:roles". Make one with Claim:
//
//	token.Claim("roles").Contains("Orders.Write")
//	token.Claim("realm_access", "roles").Contains("admin")
//	token.Claim("resource_access", "orders-api", "roles").ContainsAny("reader", "writer")
//	token.Claim("https://example.com/roles").Contains("admin")
//
// A claim holds a value when it is that string, an array with that string
// among its elements, or an object with a member of that name (ZITADEL's
// roles). A token that does not meet a Requirement is refused with
// ErrInsufficientScope (the middleware answers 403 insufficient_scope); a
// claim of another JSON type, with ErrInvalidClaim. The zero Requirement is
// met by every token.
type Requirement struct {
	path   []string
	values []string
	any    bool
}

// ClaimPath names a claim, or a member nested in claims that are objects.
// Make one with Claim.
type ClaimPath struct{ path []string }

// Claim names the claim at path: a top-level claim name, followed by the
// member names of nested objects. Names are used as they are, so a
// namespaced claim with dots or slashes in its name is one element.
func Claim(path ...string) ClaimPath { return ClaimPath{path: append([]string(nil), path...)} }

// Contains requires the claim to hold every one of values.
func (p ClaimPath) Contains(values ...string) Requirement {
	return Requirement{path: p.path, values: append([]string(nil), values...)}
}

// ContainsAny requires the claim to hold at least one of values.
func (p ClaimPath) ContainsAny(values ...string) Requirement {
	return Requirement{path: p.path, values: append([]string(nil), values...), any: true}
}

// Claim returns the requirement's claim path joined with dots, for
// messages.
func (r Requirement) Claim() string { return strings.Join(r.path, ".") }

// String describes the requirement: `realm_access.roles contains "admin"`.
func (r Requirement) String() string {
	if len(r.path) == 0 {
		return "no requirement"
	}
	verb := " contains "
	if r.any && len(r.values) > 1 {
		verb = " contains one of "
	}
	quoted := make([]string, len(r.values))
	for i, v := range r.values {
		quoted[i] = `"` + v + `"`
	}
	return r.Claim() + verb + strings.Join(quoted, ", ")
}

// Check reports whether c meets r: nil, or an error matching
// ErrInsufficientScope (ErrInvalidClaim when the claim, or an object on its
// path, has a JSON type that can hold no such value).
func (r Requirement) Check(c *Claims) error {
	if len(r.path) == 0 || len(r.values) == 0 {
		return nil
	}
	top, ok := c.checkedMember(r.path[0])
	if len(r.path) == 1 {
		return meets(r, top, ok)
	}
	raw := top.Text()
	var value strictjson.Checked[[]byte]
	for i := 1; ok && i < len(r.path); i++ {
		if strictjson.IsNull(raw) {
			ok = false
			break
		}
		members, err := strictjson.ParseObject([]byte(raw), MaxClaimsDepth, nil)
		if err != nil {
			return Errorf(ErrInvalidClaim, r.Claim(), "%s is %s; expected an object", strings.Join(r.path[:i], "."), strictjson.Kind(raw))
		}
		ok = false
		for _, m := range members {
			if string(m.Name) == r.path[i] {
				value, raw, ok = m.Checked(), string(m.Value), true
				break
			}
		}
	}
	return meets(r, value, ok)
}

// meets applies r to the claim's value, checked JSON text; ok is false
// when the claim (or an object on its path) is absent.
func meets[T strictjson.Text](r Requirement, value strictjson.Checked[T], ok bool) error {
	raw := value.Text()
	if !ok || strictjson.IsNull(raw) {
		return Errorf(ErrInsufficientScope, r.Claim(), "the token has no %s; it must contain %s", r.Claim(), r.wanted())
	}
	held, valid := holder(value)
	if !valid {
		return Errorf(ErrInvalidClaim, r.Claim(), "%s is %s; expected a string, an array of strings or an object", r.Claim(), strictjson.Kind(raw))
	}
	for _, v := range r.values {
		switch {
		case held(v) && r.any:
			return nil
		case !held(v) && !r.any:
			return Errorf(ErrInsufficientScope, r.Claim(), "%s does not contain %q", r.Claim(), excerpt.Of(v))
		}
	}
	if r.any {
		return Errorf(ErrInsufficientScope, r.Claim(), "%s contains none of %s", r.Claim(), r.wanted())
	}
	return nil
}

// wanted words the values for a message.
func (r Requirement) wanted() string {
	s := r.String()
	return s[len(r.Claim())+len(" contains "):]
}

// holder returns a test of whether the claim value holds a value, and
// false when the value is of a JSON type that holds none.
func holder[T strictjson.Text](checked strictjson.Checked[T]) (func(string) bool, bool) {
	raw := checked.Text()
	if s, ok := strictjson.String(raw); ok {
		return func(v string) bool { return s == v }, true
	}
	if elems, ok := strictjson.Elements(checked, nil); ok {
		return func(v string) bool {
			for _, e := range elems {
				if strictjson.StringEqual(e.Text(), v) {
					return true
				}
			}
			return false
		}, true
	}
	if members, err := strictjson.ParseObject([]byte(raw), MaxClaimsDepth, nil); err == nil {
		return func(v string) bool {
			for _, m := range members {
				if string(m.Name) == v {
					return true
				}
			}
			return false
		}, true
	}
	return nil, false
}

// CheckAll checks every requirement in order and returns the first failure.
func CheckAll(c *Claims, reqs []Requirement) error {
	for _, r := range reqs {
		if err := r.Check(c); err != nil {
			return err
		}
	}
	return nil
}

// CheckFailed makes the error of a custom authorization check (the
// validators' Config.Check) one that matches a sentinel: a
// *ValidationError is kept as it is (build it with Errorf to choose the
// sentinel and the words a client sees); an error matching ErrUnavailable
// (a store the check reads is down) stays an outage; any other error
// becomes ErrInsufficientScope, with the error kept as the cause for logs
// and errors.Is but not in the Reason a client is told. nil stays nil.
func CheckFailed(err error) error {
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, ErrUnavailable) {
		return &ValidationError{Kind: ErrUnavailable, Reason: "the authorization check could not be made", Err: err}
	}
	return &ValidationError{Kind: ErrInsufficientScope, Reason: "the token is not allowed here", Err: err}
}
