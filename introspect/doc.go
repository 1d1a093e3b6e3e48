// Package introspect asks an authorization server whether an opaque access
// token is active, per RFC 7662 (OAuth 2.0 Token Introspection), and caches
// the answers safely.
//
// An opaque access token is a random string only its issuer can resolve, so a
// resource server that accepts one must ask the issuer on the request path.
// This package gives that call three parts:
//
//   - Introspector, the one-method interface the access token validator
//     (package accesstoken) calls. Implement it, or wrap a function with
//     IntrospectorFunc, to fake introspection in tests.
//   - Client, an RFC 7662 client: a form-encoded POST of the token with
//     token_type_hint=access_token, authenticated as this resource server by
//     client_secret_basic (the default), client_secret_post or a bearer token,
//     with a request timeout, a response size cap, https required and
//     redirects never followed. The answer is parsed strictly (ParseResponse).
//   - Cache, an Introspector that remembers another one's answers, keyed by
//     the SHA-256 of the token so no raw token is ever kept: an active answer
//     until the token's exp or a maximum TTL, whichever comes first, an
//     inactive one for a short negative TTL, errors never. Concurrent
//     requests for the same token share one upstream call. Cache.Forget
//     drops an answer when the application learns of a revocation.
//   - Store, where a Cache keeps its answers: MemoryStore by default, bounded
//     with least-recently-used eviction and separate budgets for active and
//     inactive answers, so made-up tokens cannot push out real ones; a store
//     shared by a fleet of servers can take its place.
//
// # Errors
//
// A token that is revoked, expired or unknown is not an error: the answer is
// a Response with Active false, and the validator turns it into
// token.ErrInactive. Every failure to get a usable answer matches
// token.ErrUnavailable: the endpoint could not be reached or did not answer in
// time, answered a status other than 200 (including 401 and 403, which mean
// the authorization server rejected this resource server's own credentials,
// not the token), answered something other than application/json, too much,
// JSON that is malformed or has duplicate member names, or a registered
// member of the wrong JSON type. None of these is the token's fault, so a
// resource server should answer 503, not 401. Each message says what to fix
// and never contains the token or a secret.
//
// # Floods of made-up tokens
//
// Anyone can send a server thousands of distinct made-up opaque tokens, and
// each unknown one needs the authorization server's answer. Both layers
// bound what that costs:
//
//   - Client has at most Config.MaxConcurrentRequests requests in flight
//     (default 64), and the transport it builds opens at most that many
//     connections to the endpoint. A call beyond the bound waits within its
//     context and Config.Timeout, then fails with token.ErrUnavailable
//     without a request.
//   - Cache runs at most CacheOptions.MaxConcurrentCalls calls to the inner
//     Introspector at once (default 64), each on one goroutine of its own;
//     callers beyond that wait within their context. Answers already cached
//     are served without waiting, and inactive answers have their own
//     budget in the MemoryStore, so the flood neither delays nor evicts the
//     answers for real tokens.
//
// Against 2,000 concurrent distinct tokens and an endpoint that takes 20 ms
// to answer, the endpoint sees at most 64 requests at a time and the
// process holds about 260 goroutines beyond the callers' own
// (TestFloodOfDistinctTokensIsBounded), while a cached token's lookup costs
// what it costs without the flood (BenchmarkCacheHitDuringFlood).
//
// A new token that is real waits its turn with the made-up ones: without a
// cached answer, it cannot be told apart from them before the server
// answers.
//
// # Wiring
//
//	client, err := introspect.NewClient(introspect.Config{
//		Endpoint:     "https://tenant.example.com/oauth/introspect",
//		ClientID:     "my-api",
//		ClientSecret: secret,
//	})
//	if err != nil {
//		return err
//	}
//	cached := introspect.NewCache(client, introspect.CacheOptions{})
//	ats, err := accesstoken.NewValidator(accesstoken.Config{
//		Issuer: "https://tenant.example.com/", Audience: "https://api.example.com", Keys: keys,
//		Introspector: cached,
//	})
//
// When the issuer publishes discovery metadata (OpenID Connect Discovery or
// RFC 8414), take the endpoint from there rather than configuring it twice:
// package jwks fetches the document for its keys, and its
// introspection_endpoint is
//
//	keys, err := jwks.FromIssuer(ctx, issuer, jwks.Options{})
//	if err != nil {
//		return err
//	}
//	endpoint := keys.Discovery().IntrospectionEndpoint
//
// This package does not import jwks; pass the string to Config.Endpoint.
package introspect
