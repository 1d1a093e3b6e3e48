package token

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/tokenguard/tokenguard/internal/strictjson"
)

// Decode unmarshals the whole claims set into v (a pointer to a struct, a
// map or an interface value) with encoding/json, matching member names to
// struct fields exactly.
//
// encoding/json on its own matches names case-insensitively: a claim "EMAIL"
// or "Email" would fill a field tagged `json:"email"` when the token has no
// "email". Issuers often let users or applications choose the names of some
// claims (user metadata), so such a claim could stand in for one the issuer
// vouches for. Decode therefore leaves out, at every level of nesting, each
// member whose name matches a destination field only by case, before
// encoding/json sees the document. The claims were already checked strictly,
// so no two members can differ only by case and no duplicate can win.
//
// A JSON type that does not fit a field of v is an error matching
// ErrInvalidClaim, and so is a v that is not a non-nil pointer. The zero
// Claims, and a nil *Claims, decode as an empty object.
func (c *Claims) Decode(v any) error {
	var data []byte
	if c != nil {
		data = []byte(c.text)
	}
	if len(data) == 0 {
		data = []byte("{}")
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() && c != nil && len(c.spans) > 0 {
		if exact, changed := exactMembers(c.members(data), rv.Type().Elem(), 0); changed {
			data = exact
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		claim := ""
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			claim = te.Field
		}
		return &ValidationError{Kind: ErrInvalidClaim, Claim: claim, Reason: "the claims do not fit the destination", Err: err}
	}
	return nil
}

// exactValue returns value (one JSON value that passed strict parsing) with
// the members that would match a field of t only by case left out, and
// whether anything was left out.
func exactValue(checked strictjson.Checked[[]byte], t reflect.Type, depth int) ([]byte, bool) {
	value := checked.Text()
	t = deref(t)
	if len(value) == 0 || depth > MaxClaimsDepth || !needsExactCheck(t) {
		return value, false
	}
	switch value[0] {
	case '{':
		members, err := strictjson.ParseObject(value, MaxClaimsDepth+1, nil)
		if err != nil {
			return value, false
		}
		if out, changed := exactMembers(members, t, depth); changed {
			return out, true
		}
		return value, false
	case '[':
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return value, false
		}
		elems, ok := strictjson.Elements(checked, nil)
		if !ok {
			return value, false
		}
		changed := false
		out := make([][]byte, len(elems))
		for i, e := range elems {
			var c bool
			out[i], c = exactValue(e, t.Elem(), depth+1)
			changed = changed || c
		}
		if !changed {
			return value, false
		}
		var b []byte
		b = append(b, '[')
		for i, e := range out {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, e...)
		}
		return append(b, ']'), true
	}
	return value, false
}

// exactMembers rebuilds an object of members for type t (a struct or a
// map), leaving out what matches a struct field only by case and rewriting
// nested values that need it. It reports false, and builds nothing, when
// nothing needs to change.
func exactMembers(members []strictjson.Member, t reflect.Type, depth int) ([]byte, bool) {
	t = deref(t)
	if !needsExactCheck(t) {
		return nil, false
	}
	var fields *structFields
	switch t.Kind() {
	case reflect.Struct:
		fields = fieldsOf(t)
	case reflect.Map:
	default:
		return nil, false
	}
	type rewritten struct {
		drop  bool
		value []byte
	}
	var edits []rewritten
	var fold [64]byte
	for i, m := range members {
		var (
			child reflect.Type
			drop  bool
		)
		if fields == nil {
			child = t.Elem()
		} else if f, ok := fields.byName[string(m.Name)]; ok {
			child = f
		} else if _, ok := fields.byFold[string(strictjson.AppendFold(fold[:0], m.Name))]; ok {
			drop = true
		}
		value := m.Value
		changed := drop
		if child != nil && !drop {
			value, changed = exactValue(m.Checked(), child, depth+1)
		}
		if changed && edits == nil {
			edits = make([]rewritten, len(members))
			for j := range members[:i] {
				edits[j].value = members[j].Value
			}
		}
		if edits != nil {
			edits[i] = rewritten{drop: drop, value: value}
		}
	}
	if edits == nil {
		return nil, false
	}
	b := []byte{'{'}
	first := true
	for i, m := range members {
		if edits[i].drop {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		name, _ := json.Marshal(string(m.Name))
		b = append(b, name...)
		b = append(b, ':')
		b = append(b, edits[i].value...)
	}
	return append(b, '}'), true
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// needsExactCheck reports whether decoding into t could match an object
// member to a struct field: t is a struct, or holds structs in maps, slices
// or arrays, and no type on the way decodes itself.
func needsExactCheck(t reflect.Type) bool {
	for {
		t = deref(t)
		if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
			return false
		}
		switch t.Kind() {
		case reflect.Struct:
			return true
		case reflect.Map, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return false
		}
	}
}

// structFields are the JSON names of a struct type's fields as
// encoding/json sees them, including those promoted from embedded structs.
// The set may hold names encoding/json would ignore as ambiguous; that only
// means a member matching them by case is left out, which encoding/json
// would not have used either.
type structFields struct {
	byName map[string]reflect.Type // exact name → field type
	byFold map[string]struct{}     // folded names
}

// fieldCache memoizes fieldsOf per type, as encoding/json does for its own
// field lists. It holds only facts derived from types, never from tokens,
// so sharing it between verifiers changes no behaviour.
var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{byName: map[string]reflect.Type{}, byFold: map[string]struct{}{}}
	collectFields(f, t, map[reflect.Type]bool{})
	for name := range f.byName {
		f.byFold[string(strictjson.AppendFold(nil, []byte(name)))] = struct{}{}
	}
	actual, _ := fieldCache.LoadOrStore(t, f)
	return actual.(*structFields)
}

// collectFields adds the fields of struct type t: its own first, so that
// they win over promoted ones of the same name, then those of embedded
// structs.
func collectFields(f *structFields, t reflect.Type, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	var embedded []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, hasTag := sf.Tag.Lookup("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous {
			ft := deref(sf.Type)
			if name == "" && ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		if !hasTag || name == "" {
			name = sf.Name
		}
		if _, dup := f.byName[name]; !dup {
			f.byName[name] = sf.Type
		}
	}
	for _, et := range embedded {
		collectFields(f, et, seen)
	}
}
