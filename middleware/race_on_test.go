//go:build race

package middleware_test

// raceDetector reports whether the tests run with -race, which makes the
// load test's work several times slower.
const raceDetector = true
