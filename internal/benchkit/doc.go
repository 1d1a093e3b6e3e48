// Package benchkit is the benchmark harness the validator packages share:
// the calling thread's CPU clock, the baseline every validator is compared
// with (base64url decoding of a token's signature and the bare crypto
// verification of the same token with the same key), a Ring of distinct
// tokens for the default configuration's "a new token on every call" with
// its Baseline beside it, and a runner that times several steps against
// each other in interleaved batches and reports their ratios.
//
// It is imported only by _test.go files (token, idtoken, accesstoken), never
// by the library itself, so nothing here reaches a program that uses
// tokenguard.
package benchkit
