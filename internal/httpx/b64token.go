package httpx

// b64tokenByte marks the bytes of RFC 6750 §2.1's b64token other than the
// trailing "=" padding: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/".
var b64tokenByte = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~+/" {
		t[c] = true
	}
	return t
}()

// InvalidB64Token returns -1 when s matches RFC 6750 §2.1's b64token,
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", and
// otherwise the offset of the first byte that breaks it (0 for an empty s).
// It is the one statement of the rule for the middleware (Authorization
// headers, form and query parameters), the access token validator (opaque
// tokens) and the introspection client (its own bearer credential).
func InvalidB64Token(s string) int {
	i := 0
	for i < len(s) && b64tokenByte[s[i]] {
		i++
	}
	if i == 0 {
		return 0
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return i
		}
	}
	return -1
}
