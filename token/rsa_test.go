package token

import (
	"bytes"
	"crypto"
	"crypto/fips140"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"sync"
	"testing"
)

// rsaSignRaw is the RSA private operation on em, an encoded message as
// long as the modulus: a signature of any encoding, well-formed or not.
func rsaSignRaw(priv *rsa.PrivateKey, em []byte) []byte {
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N)
	return s.FillBytes(make([]byte, priv.Size()))
}

// pkcs1Encoding is the RFC 8017 §9.2 encoding of hashed for key size k,
// with its parts given, to build both good and damaged encodings.
func pkcs1Encoding(k int, lead []byte, padByte byte, sep []byte, prefix, hashed []byte) []byte {
	body := append(append(append([]byte{}, sep...), prefix...), hashed...)
	em := append([]byte{}, lead...)
	for len(em)+len(body) < k {
		em = append(em, padByte)
	}
	return append(em, body...)[:k]
}

// rsaLowModulus is a 2048-bit key whose modulus is about 0.56 of 2^2048:
// about four signatures in five are below 2^2048 minus the modulus, so that
// the signature plus the modulus has the modulus's bit length, a value
// that reduces to a good signature and that only the check of s < n
// refuses.
var rsaLowModulus = sync.OnceValue(func() *rsa.PrivateKey {
	nextPrime := func(start *big.Int) *big.Int {
		p := new(big.Int).SetBit(start, 0, 1)
		for !p.ProbablyPrime(32) {
			p.Add(p, big.NewInt(2))
		}
		return p
	}
	three := new(big.Int).Lsh(big.NewInt(3), 1022) // 0.75 · 2^1024
	p := nextPrime(three)
	q := nextPrime(new(big.Int).Add(three, new(big.Int).Lsh(big.NewInt(1), 1000)))
	one := big.NewInt(1)
	pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
	lambda := new(big.Int).Div(new(big.Int).Mul(pm, qm), new(big.Int).GCD(nil, nil, pm, qm))
	k := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537},
		D:         new(big.Int).ModInverse(big.NewInt(65537), lambda),
		Primes:    []*big.Int{p, q},
	}
	if k.D == nil {
		panic("the low-modulus test key has no private exponent")
	}
	if err := k.Validate(); err != nil {
		panic(err)
	}
	k.Precompute()
	return k
})

// rsa2049 is a key whose modulus is one bit over a whole number of bytes:
// its signatures are 257 bytes, the first of them 0 or 1, so many start
// with a zero byte.
var rsa2049 = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2049)
	if err != nil {
		panic(err)
	}
	return k
})

var rsa3072 = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		panic(err)
	}
	return k
})

// Verification with the modulus prepared once agrees with
// rsa.VerifyPKCS1v15 on good signatures and on every way a signature can
// be wrong: changed bits, another length, not below the modulus, another
// digest, another hash, and encodings that differ from the one RFC 8017
// allows (the forgeries lax parsers accepted: no NULL in DigestInfo,
// short padding, bytes after the digest, another padding byte).
func TestRSAVerifiesAsTheStandardLibrary(t *testing.T) {
	for _, priv := range []*rsa.PrivateKey{testKeys().rsa, rsa3072()} {
		pub := &priv.PublicKey
		prep := newRSAPublic(pub)
		if prep == nil {
			t.Fatal("a valid key was not prepared")
		}
		k := priv.Size()
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			hh := h.New()
			hh.Write([]byte("eyJhbGciOiJSUzI1NiJ9.e30"))
			hashed := hh.Sum(nil)
			good, err := rsa.SignPKCS1v15(rand.Reader, priv, h, hashed)
			if err != nil {
				t.Fatal(err)
			}
			prefix := digestInfo(h)
			// SEQUENCE { SEQUENCE { OID } OCTET STRING }: the parameters'
			// NULL left out, each length two less.
			noNull := append(append([]byte{prefix[0], prefix[1] - 2, prefix[2], prefix[3] - 2}, prefix[4:len(prefix)-4]...), prefix[len(prefix)-2:]...)
			otherHash := sha256.Sum224([]byte("x"))
			cases := map[string]struct {
				sig    []byte
				hashed []byte
				want   bool
			}{
				"good":                  {good, hashed, true},
				"another digest":        {good, append(append([]byte{}, hashed[:len(hashed)-1]...), hashed[len(hashed)-1]^1), false},
				"a short digest":        {good, hashed[:len(hashed)-1], false},
				"first byte changed":    {flip(good, 0), hashed, false},
				"last byte changed":     {flip(good, len(good)-1), hashed, false},
				"a byte short":          {good[1:], hashed, false},
				"a byte long":           {append([]byte{0}, good...), hashed, false},
				"empty":                 {nil, hashed, false},
				"zero":                  {make([]byte, k), hashed, false},
				"the modulus":           {priv.N.FillBytes(make([]byte, k)), hashed, false},
				"the modulus plus one":  {new(big.Int).Add(priv.N, big.NewInt(1)).FillBytes(make([]byte, k)), hashed, false},
				"all ones":              {bytes.Repeat([]byte{0xff}, k), hashed, false},
				"re-encoded good":       {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 1}, 0xff, []byte{0}, prefix, hashed)), hashed, true},
				"DigestInfo sans NULL":  {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 1}, 0xff, []byte{0}, noNull, hashed)), hashed, false},
				"padding byte 0xfe":     {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 1}, 0xfe, []byte{0}, prefix, hashed)), hashed, false},
				"block type 2":          {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 2}, 0xff, []byte{0}, prefix, hashed)), hashed, false},
				"no leading zero":       {rsaSignRaw(priv, pkcs1Encoding(k, []byte{1}, 0xff, []byte{0}, prefix, hashed)), hashed, false},
				"garbage after digest":  {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 1}, 0xff, []byte{0}, prefix, append(append([]byte{}, hashed...), 0xAB, 0xCD))), hashed, false},
				"digest of another alg": {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 1}, 0xff, []byte{0}, prefix, otherHash[:])), hashed, false},
				"no separator":          {rsaSignRaw(priv, pkcs1Encoding(k, []byte{0, 1}, 0xff, nil, prefix, hashed)), hashed, false},
			}
			for name, tc := range cases {
				std := rsa.VerifyPKCS1v15(pub, h, tc.hashed, tc.sig) == nil
				got := prep.verifyPKCS1v15(h, tc.hashed, tc.sig)
				if got != std || got != tc.want {
					t.Errorf("%d bits, %v, %s: prepared %v, crypto/rsa %v; want %v", priv.N.BitLen(), h, name, got, std, tc.want)
				}
			}
		}
	}
}

// The properties the forgery shapes cannot reach: a good signature plus
// the modulus (the same value modulo n, which crypto/rsa refuses as not
// below n), a good signature that starts with a zero byte without that
// byte (the right number, the wrong length), and a key of the largest size
// a Key takes.
func TestRSARefusesWhatCryptoRSARefuses(t *testing.T) {
	var plusN, shortened bool
	for i := 0; i < 400 && !(plusN && shortened); i++ {
		priv := rsaLowModulus()
		if i%2 == 1 {
			priv = rsa2049()
		}
		pub := &priv.PublicKey
		prep := newRSAPublic(pub)
		k := priv.Size()
		hashed := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		good, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, hashed[:])
		if err != nil {
			t.Fatal(err)
		}
		if !prep.verifyPKCS1v15(crypto.SHA256, hashed[:], good) {
			t.Fatal("a good signature was refused")
		}
		if sum := new(big.Int).Add(new(big.Int).SetBytes(good), priv.N); sum.BitLen() <= priv.N.BitLen() {
			plusN = true
			sig := sum.FillBytes(make([]byte, k))
			if std, got := rsa.VerifyPKCS1v15(pub, crypto.SHA256, hashed[:], sig) == nil, prep.verifyPKCS1v15(crypto.SHA256, hashed[:], sig); std || got {
				t.Fatalf("s + n: prepared %v, crypto/rsa %v; want both false", got, std)
			}
		}
		if good[0] == 0 {
			shortened = true
			if std, got := rsa.VerifyPKCS1v15(pub, crypto.SHA256, hashed[:], good[1:]) == nil, prep.verifyPKCS1v15(crypto.SHA256, hashed[:], good[1:]); std || got {
				t.Fatalf("without its leading zero: prepared %v, crypto/rsa %v; want both false", got, std)
			}
		}
	}
	if !plusN || !shortened {
		t.Fatalf("no signature for the s + n case (%v) or the leading zero case (%v)", plusN, shortened)
	}
	// A modulus of MaxRSABits (odd, though not a real key's: neither side
	// checks primality), with made-up signatures.
	n := new(big.Int).Lsh(big.NewInt(1), MaxRSABits-1)
	n.Or(n, big.NewInt(0xF00D))
	big8192 := &rsa.PublicKey{N: n, E: 65537}
	if newRSAPublic(big8192) == nil {
		t.Fatal("a key of MaxRSABits was not prepared")
	}
	hashed := sha256.Sum256(nil)
	prep := newRSAPublic(big8192)
	for _, sig := range [][]byte{make([]byte, MaxRSABits/8), bytes.Repeat([]byte{1}, MaxRSABits/8), bytes.Repeat([]byte{0xff}, MaxRSABits/8)} {
		std := rsa.VerifyPKCS1v15(big8192, crypto.SHA256, hashed[:], sig) == nil
		if got := prep.verifyPKCS1v15(crypto.SHA256, hashed[:], sig); got != std {
			t.Fatalf("%d-bit modulus: prepared %v, crypto/rsa %v", MaxRSABits, got, std)
		}
	}
	if newRSAPublic(&rsa.PublicKey{N: new(big.Int).Or(new(big.Int).Lsh(n, 2), big.NewInt(1)), E: 65537}) != nil {
		t.Fatal("a modulus over MaxRSABits was prepared")
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x40
	return c
}

// A key crypto/rsa would refuse is not prepared, and one in range is.
func TestRSAPublicPreparesOnlyValidKeys(t *testing.T) {
	good := &testKeys().rsa.PublicKey
	if newRSAPublic(good) == nil {
		t.Fatal("a 2048-bit key was not prepared")
	}
	for name, pub := range map[string]*rsa.PublicKey{
		"nil":          nil,
		"nil modulus":  {E: 65537},
		"even modulus": {N: new(big.Int).Lsh(good.N, 1), E: 65537},
		"even e":       {N: good.N, E: 65536},
		"e of 1":       {N: good.N, E: 1},
		"huge e":       {N: good.N, E: 1 << 32},
		"512 bits":     {N: new(big.Int).Rsh(good.N, 1536), E: 65537},
	} {
		if newRSAPublic(pub) != nil {
			t.Errorf("%s: prepared", name)
		}
	}
}

// FuzzRSAVerify holds verification with the prepared modulus against
// rsa.VerifyPKCS1v15 on signatures of messages the fuzzer chooses, damaged
// where it says, and on signatures it makes up whole.
func FuzzRSAVerify(f *testing.F) {
	priv := testKeys().rsa
	pub := &priv.PublicKey
	prep := newRSAPublic(pub)
	f.Add([]byte("eyJhbGciOiJSUzI1NiJ9.e30"), uint16(0), byte(0), uint8(0), []byte(nil))
	f.Add([]byte("m"), uint16(5), byte(1), uint8(1), []byte(nil))
	f.Add([]byte("m"), uint16(300), byte(0x80), uint8(2), []byte{0, 1, 2})
	f.Add([]byte(""), uint16(0), byte(0), uint8(0), bytes.Repeat([]byte{0xff}, 256))
	f.Fuzz(func(t *testing.T, msg []byte, at uint16, xor byte, which uint8, madeUp []byte) {
		h := []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}[int(which)%3]
		var hashed []byte
		switch h {
		case crypto.SHA256:
			d := sha256.Sum256(msg)
			hashed = d[:]
		case crypto.SHA384:
			d := sha512.Sum384(msg)
			hashed = d[:]
		default:
			d := sha512.Sum512(msg)
			hashed = d[:]
		}
		sig := madeUp
		if len(sig) == 0 {
			var err error
			if sig, err = rsa.SignPKCS1v15(nil, priv, h, hashed); err != nil {
				t.Fatal(err)
			}
			sig[int(at)%len(sig)] ^= xor
		}
		std := rsa.VerifyPKCS1v15(pub, h, hashed, sig) == nil
		if got := prep.verifyPKCS1v15(h, hashed, sig); got != std {
			t.Fatalf("prepared %v, crypto/rsa %v (%v, %d-byte signature, byte %d ^ %#x)", got, std, h, len(sig), at, xor)
		}
	})
}

// A Key verifies through its prepared modulus or point, except in FIPS
// 140-3 mode (GODEBUG=fips140=on), where crypto/rsa and crypto/ed25519
// verify every signature, and, for RSA, in a Go+BoringCrypto build. CI
// runs the package's tests in and out of FIPS 140-3 mode.
func TestKeysPrepareOutsideFIPSMode(t *testing.T) {
	k := testKeys()
	rk, err := NewPublicKey(KeyParams{}, &k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := NewPublicKey(KeyParams{}, k.ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	if (rk.rsa == nil) != (fips140.Enabled() || boringRSA()) || (ek.ed == nil) != fips140.Enabled() {
		t.Fatalf("FIPS 140-3 mode %v, BoringCrypto %v: RSA key prepared %v, Ed25519 point decoded %v", fips140.Enabled(), boringRSA(), rk.rsa != nil, ek.ed != nil)
	}
	// Either way, the keys verify what they signed and nothing else.
	for _, tc := range []struct {
		alg  string
		key  *Key
		priv any
	}{{RS256, rk, k.rsa}, {EdDSA, ek, k.ed}} {
		a, _ := lookupAlgorithm(tc.alg)
		input := "eyJhbGciOiJub25lIn0.e30"
		sig := rawSignature(t, tc.alg, tc.priv, []byte(input))
		if !verifySignature(a, tc.key, input, sig, nil) || verifySignature(a, tc.key, input+"x", sig, nil) {
			t.Errorf("%s: a good signature refused or a changed input accepted", tc.alg)
		}
	}
}
