package token

import "sync"

// A token whose header and claims decode to more than the pipeline's stack
// scratch (decodeScratchSize), with a copy of its signing input to hash,
// needs a buffer on the heap for as long as it is read: a token over a
// kilobyte or so, such as one with a hundred claims or a hundred
// audiences. Allocating and clearing one for every such token was a
// measurable part of its cost and of the garbage a server makes, so a
// Verifier lends them instead. The decoded bytes are read, and copied
// into the strings a Result keeps, before the buffer goes back: nothing of
// a token stays reachable through a lent buffer.

// pooledDecodeSize is the size of a lent buffer: enough for the decoded
// header and claims of any token of DefaultMaxTokenSize, and a copy of its
// signing input to hash with the 64 bytes Ed25519 hashes before it.
const pooledDecodeSize = DefaultMaxTokenSize*3/4 + DefaultMaxTokenSize + 64

// maxPooledDecode bounds the buffers a Verifier keeps: one made for a
// token far larger (a MaxTokenSize raised well past the default) is left
// to the collector.
const maxPooledDecode = 4 * pooledDecodeSize

// decodeBuffers lends a Verifier's decode buffers. The zero value is ready.
type decodeBuffers struct {
	pool sync.Pool // of *[]byte
}

// get returns a buffer of at least n bytes, at its full capacity.
func (d *decodeBuffers) get(n int) *[]byte {
	if b, ok := d.pool.Get().(*[]byte); ok && cap(*b) >= n {
		*b = (*b)[:cap(*b)]
		return b
	}
	b := make([]byte, max(n, pooledDecodeSize))
	return &b
}

// put takes back a buffer get returned, once nothing reads it any more.
func (d *decodeBuffers) put(b *[]byte) {
	if cap(*b) <= maxPooledDecode {
		d.pool.Put(b)
	}
}
