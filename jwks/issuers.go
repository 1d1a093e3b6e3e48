package jwks

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tokenguard/tokenguard/internal/excerpt"
	"github.com/tokenguard/tokenguard/internal/httpx"
	"github.com/tokenguard/tokenguard/internal/settings"
	"github.com/tokenguard/tokenguard/token"
)

// TenantPlaceholder is the placeholder of an issuer template, spelled as
// Microsoft Entra ID's multi-tenant discovery documents publish it:
// "https://login.microsoftonline.com/{tenantid}/v2.0".
const TenantPlaceholder = "{tenantid}"

// DefaultMaxSources is how many key sources an Issuers keeps when
// IssuersConfig.MaxSources is zero.
const DefaultMaxSources = 100

// maxTenantLen bounds the tenant part of an issuer matched by a template.
// Entra ID's tenant IDs are GUIDs (36 characters).
const maxTenantLen = 64

// IssuersConfig configures NewIssuers: which issuers, decided at run time,
// are trusted, and where their keys are. Set Templates or Resolve (not
// both); every zero value of the other fields is the safe default.
type IssuersConfig struct {
	// Templates are issuer identifiers each holding TenantPlaceholder once,
	// such as "https://login.microsoftonline.com/{tenantid}/v2.0" (Entra
	// ID v2.0 tokens) and "https://sts.windows.net/{tenantid}/" (v1.0). A
	// token's iss matches a template when it is the template with the
	// placeholder replaced by a tenant ID of letters, digits and "-"; the
	// token's tid claim must then equal that tenant ID, as Microsoft
	// requires of multi-tenant applications, and the tenant must be in
	// Tenants unless AnyTenant is set.
	Templates []string
	// Tenants lists the tenant IDs whose tokens are trusted, compared
	// exactly (Entra ID writes them as lower-case GUIDs). Required with
	// Templates unless AnyTenant is set.
	Tenants []string
	// AnyTenant trusts every tenant of the templates: any organisation
	// with an account at the provider can then get tokens this API
	// accepts, so the API must authorise by other claims. It requires
	// Keys, so that a token naming a tenant never seen costs no request.
	AnyTenant bool

	// Resolve decides, for issuers no template matches, whether issuer is
	// trusted: ok false refuses the token with token.ErrIssuer. When ok,
	// jwksURL is where the issuer's keys are, or "" to read them through
	// the issuer's discovery document (as FromIssuer does). Resolve must
	// not itself wait on the network, and must say no to anything it does
	// not know: whatever it trusts, this package fetches from.
	Resolve func(issuer string) (jwksURL string, ok bool)

	// Keys, when not nil, holds the keys of every issuer trusted: Entra ID
	// signs the tokens of all tenants with the keys at
	// https://login.microsoftonline.com/common/discovery/v2.0/keys, so a
	// multi-tenant API needs one Remote (jwks.New) for all of them. Nil
	// means each trusted issuer gets a Remote of its own, made on its first
	// token by discovery (or from Resolve's jwksURL) and kept in a bounded
	// set. Keys is not closed by Issuers.Close.
	Keys token.KeySource

	// MaxSources bounds how many per-issuer Remotes are kept. When a new
	// issuer needs one and the set is full, the least recently used is
	// closed (it is made again should its issuer come back). Zero means
	// DefaultMaxSources.
	MaxSources int

	// Options configures each per-issuer Remote. Options.RefetchCooldown
	// is also how long a failure to set up an issuer's keys is remembered:
	// meanwhile its tokens are refused with token.ErrUnavailable at once.
	Options Options
}

// Issuers is a token.IssuerKeySource for issuers decided at run time: the
// tenants of a multi-tenant provider, by a template with an allow-list of
// tenants, or whatever issuers a resolver trusts. Give it to a validator's
// Config.IssuerKeys. It is safe for concurrent use; Close it when done.
//
// An issuer that is not trusted is refused with token.ErrIssuer before
// anything else, so a token naming a made-up issuer never causes a request.
// For a trusted issuer without shared Keys, the first token makes its key
// source (one discovery and one JWKS request), and every request arriving
// meanwhile waits for that same creation. At most MaxSources key sources
// are kept; the least recently used is closed to make room.
type Issuers struct {
	templates []template
	tenants   map[string]bool
	anyTenant bool
	resolve   func(string) (string, bool)
	shared    token.KeySource
	max       int
	opts      Options
	client    *http.Client // shared by every Remote; nil with Options.HTTPClient
	cooldown  time.Duration
	now       func() time.Time

	ctx    context.Context // ends with Close; every Remote lives under it
	cancel context.CancelFunc
	wg     sync.WaitGroup // creations in progress

	mu      sync.Mutex
	closed  bool
	sources map[string]*issuerSource
	lru     list.List // of *issuerSource, most recently used first
}

// issuerSource is the key source of one issuer, or its creation in
// progress. remote and err are written once, before ready is closed.
type issuerSource struct {
	issuer  string
	elem    *list.Element
	ready   chan struct{}
	remote  *Remote
	err     error
	failed  time.Time // when creation failed
	evicted bool      // guarded by Issuers.mu
}

// template is an issuer template split at its placeholder.
type template struct{ prefix, suffix string }

var _ token.IssuerKeySource = (*Issuers)(nil)

// NewIssuers checks cfg and returns an Issuers. It makes no request.
func NewIssuers(cfg IssuersConfig) (*Issuers, error) {
	s := &Issuers{
		anyTenant: cfg.AnyTenant,
		resolve:   cfg.Resolve,
		shared:    cfg.Keys,
		max:       cfg.MaxSources,
		opts:      cfg.Options,
		sources:   make(map[string]*issuerSource),
	}
	switch {
	case len(cfg.Templates) == 0 && cfg.Resolve == nil:
		return nil, errors.New("jwks: IssuersConfig.Templates or IssuersConfig.Resolve is required")
	case len(cfg.Templates) > 0 && cfg.Resolve != nil:
		return nil, errors.New("jwks: IssuersConfig.Templates and IssuersConfig.Resolve exclude each other; use one Issuers for each")
	case cfg.AnyTenant && cfg.Keys == nil:
		return nil, errors.New("jwks: IssuersConfig.AnyTenant needs Keys, the keys every tenant shares, so that a token naming an unknown tenant causes no request")
	case cfg.AnyTenant && len(cfg.Tenants) > 0:
		return nil, errors.New("jwks: IssuersConfig.AnyTenant and IssuersConfig.Tenants exclude each other")
	case len(cfg.Templates) > 0 && !cfg.AnyTenant && len(cfg.Tenants) == 0:
		return nil, errors.New("jwks: IssuersConfig.Templates needs Tenants, the tenant IDs to trust (or AnyTenant with Keys)")
	case len(cfg.Templates) == 0 && (cfg.AnyTenant || len(cfg.Tenants) > 0):
		return nil, errors.New("jwks: IssuersConfig.Tenants and AnyTenant apply to Templates, which is empty")
	}
	for i, t := range cfg.Templates {
		tpl, err := parseTemplate(t, cfg.Options.AllowInsecureHTTP)
		if err != nil {
			return nil, fmt.Errorf("jwks: IssuersConfig.Templates[%d]: %w", i, err)
		}
		s.templates = append(s.templates, tpl)
	}
	if len(cfg.Tenants) > 0 {
		s.tenants = make(map[string]bool, len(cfg.Tenants))
		for i, t := range cfg.Tenants {
			if !validTenant(t) {
				return nil, fmt.Errorf("jwks: IssuersConfig.Tenants[%d] is %q; a tenant ID is 1 to %d letters, digits and hyphens", i, excerpt.Of(t), maxTenantLen)
			}
			s.tenants[t] = true
		}
	}
	var err error
	if s.max, err = settings.Limit("jwks: IssuersConfig.MaxSources", cfg.MaxSources, DefaultMaxSources); err != nil {
		return nil, err
	}
	if s.opts.HTTPClient == nil {
		// One transport for every Remote, whose idle connections Close
		// releases.
		s.client = &http.Client{Transport: httpx.NewTransport(maxResponseHeaderBytes)}
		s.opts.HTTPClient = s.client
	}
	c, err := s.opts.config()
	if err != nil {
		return nil, err
	}
	s.cooldown, s.now = c.cooldown, c.now
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// parseTemplate checks an issuer template and splits it.
func parseTemplate(t string, allowHTTP bool) (template, error) {
	i := strings.Index(t, TenantPlaceholder)
	if i < 0 || strings.Count(t, TenantPlaceholder) != 1 {
		return template{}, fmt.Errorf("%q must hold %s exactly once", excerpt.Of(t), TenantPlaceholder)
	}
	tpl := template{prefix: t[:i], suffix: t[i+len(TenantPlaceholder):]}
	if strings.ContainsAny(tpl.prefix+tpl.suffix, "{}?#") {
		return template{}, fmt.Errorf("%q holds another placeholder, a query or a fragment", excerpt.Of(t))
	}
	// The tenant must be a path segment of its own: a template such as
	// "https://{tenantid}.example.com/" would let the tenant choose the
	// host the keys are fetched from.
	if !strings.HasSuffix(tpl.prefix, "/") || (tpl.suffix != "" && tpl.suffix[0] != '/') {
		return template{}, fmt.Errorf("%q must have %s as a whole path segment", excerpt.Of(t), TenantPlaceholder)
	}
	if _, err := checkURL(tpl.prefix+"tenant"+tpl.suffix, "issuer template", allowHTTP); err != nil {
		return template{}, err
	}
	return tpl, nil
}

// validTenant reports whether t can be the tenant part of an issuer.
func validTenant(t string) bool {
	if t == "" || len(t) > maxTenantLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// tenantOf returns the tenant of iss when it matches the template.
func (t template) tenantOf(iss string) (string, bool) {
	if len(iss) <= len(t.prefix)+len(t.suffix) || !strings.HasPrefix(iss, t.prefix) || !strings.HasSuffix(iss, t.suffix) {
		return "", false
	}
	tenant := iss[len(t.prefix) : len(iss)-len(t.suffix)]
	return tenant, validTenant(tenant)
}

// IssuerKeys implements token.IssuerKeySource. It refuses, with
// token.ErrIssuer and without any request, an issuer that no template
// matches (or whose tenant is not trusted, or whose token's tid differs
// from it) and that Resolve does not trust. For a trusted issuer it
// returns Keys, or the issuer's own Remote, making it first if need be:
// then it waits for the creation at most until ctx ends (the error then
// matches token.ErrUnavailable), and a creation that failed is remembered
// for Options.RefetchCooldown.
func (s *Issuers) IssuerKeys(ctx context.Context, c *token.Claims) (token.KeySource, error) {
	if s == nil || s.ctx == nil {
		return nil, token.Errorf(token.ErrUnavailable, "iss", "the issuer source is not configured; build it with jwks.NewIssuers")
	}
	if c == nil {
		return nil, token.Errorf(token.ErrMissingClaim, "iss", "no claims were given, so no issuer")
	}
	iss := c.Issuer
	jwksURL, err := s.trust(c)
	if err != nil {
		return nil, err
	}
	if s.shared != nil {
		return s.shared, nil
	}
	return s.source(ctx, iss, jwksURL)
}

// KeysForIssuer implements token.IssuerNameKeySource: it returns what
// IssuerKeys returns for the tokens of issuer iss that it accepts, deciding
// trust by the name alone. A token of a template's tenant is still refused
// by IssuerKeys when its tid is not that tenant. The validators use it to
// check the signature of a token whose claims would cost more to read than
// the check, before reading them.
func (s *Issuers) KeysForIssuer(ctx context.Context, iss string) (token.KeySource, error) {
	if s == nil || s.ctx == nil {
		return nil, token.Errorf(token.ErrUnavailable, "iss", "the issuer source is not configured; build it with jwks.NewIssuers")
	}
	jwksURL, _, err := s.trustName(iss)
	if err != nil {
		return nil, err
	}
	if s.shared != nil {
		return s.shared, nil
	}
	return s.source(ctx, iss, jwksURL)
}

// trust decides whether the token's issuer is trusted, from configuration
// alone.
func (s *Issuers) trust(c *token.Claims) (jwksURL string, err error) {
	iss := c.Issuer
	jwksURL, tenant, err := s.trustName(iss)
	if err != nil || tenant == "" {
		return jwksURL, err
	}
	tid, present, err := c.GetString("tid")
	switch {
	case err != nil:
		return "", err
	case !present:
		return "", token.Errorf(token.ErrMissingClaim, "tid", "the token has no tid; a token of a multi-tenant issuer must name its tenant")
	case tid != tenant:
		return "", token.Errorf(token.ErrIssuer, "tid", "the token's tid does not name the tenant of its issuer").
			WithDetail("tid is %q but the issuer is of tenant %q", excerpt.Of(tid), tenant)
	}
	return "", nil
}

// trustName decides whether issuer iss is trusted by its name: the tenant
// of the template it matches (whose tokens must name it in tid), or the
// JWKS URL Resolve gave.
func (s *Issuers) trustName(iss string) (jwksURL, tenant string, err error) {
	for _, t := range s.templates {
		tenant, ok := t.tenantOf(iss)
		if !ok {
			continue
		}
		if !s.anyTenant && !s.tenants[tenant] {
			return "", "", token.Errorf(token.ErrIssuer, "iss", "the token's issuer is not one this validator accepts").
				WithDetail("issuer %q is of tenant %q, which is not a trusted tenant", excerpt.Of(iss), tenant)
		}
		return "", tenant, nil
	}
	if s.resolve != nil {
		if u, ok := s.resolve(iss); ok {
			return u, "", nil
		}
	}
	return "", "", token.Errorf(token.ErrIssuer, "iss", "the token's issuer is not one this validator accepts").
		WithDetail("issuer %q is not trusted", excerpt.Of(iss))
}

// source returns the Remote of a trusted issuer, making it on first use.
func (s *Issuers) source(ctx context.Context, iss, jwksURL string) (token.KeySource, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, token.Errorf(token.ErrUnavailable, "iss", "the issuer source is closed")
	}
	e := s.sources[iss]
	if e != nil && e.done() && e.err != nil && s.now().Sub(e.failed) >= s.cooldown {
		s.removeLocked(e) // its failure is old enough to try again
		e = nil
	}
	var evicted []*issuerSource
	if e == nil {
		e = &issuerSource{issuer: iss, ready: make(chan struct{})}
		e.elem = s.lru.PushFront(e)
		s.sources[iss] = e
		evicted = s.evictLocked()
		s.wg.Add(1)
		go s.create(e, jwksURL)
	} else {
		s.lru.MoveToFront(e.elem)
	}
	s.mu.Unlock()
	for _, old := range evicted {
		old.remote.Close()
	}

	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, &token.ValidationError{Kind: token.ErrUnavailable, Claim: "iss",
			Reason: "gave up waiting for the keys of the token's issuer",
			Detail: fmt.Sprintf("issuer %q", excerpt.Of(iss)), Err: ctx.Err()}
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.remote, nil
}

// done reports whether e's creation has ended.
func (e *issuerSource) done() bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

// evictLocked removes least recently used sources beyond the bound and
// returns the Remotes to close. A source still being made is never chosen.
func (s *Issuers) evictLocked() []*issuerSource {
	var out []*issuerSource
	for el := s.lru.Back(); el != nil && len(s.sources) > s.max; {
		e := el.Value.(*issuerSource)
		el = el.Prev()
		if !e.done() {
			continue
		}
		s.removeLocked(e)
		if e.remote != nil {
			out = append(out, e)
		}
	}
	return out
}

func (s *Issuers) removeLocked(e *issuerSource) {
	s.lru.Remove(e.elem)
	delete(s.sources, e.issuer)
	e.evicted = true
}

// create makes e's Remote under the Issuers' own context, so that the
// request that asked first does not decide for the others.
func (s *Issuers) create(e *issuerSource, jwksURL string) {
	defer s.wg.Done()
	var r *Remote
	var err error
	if jwksURL != "" {
		r, err = New(s.ctx, jwksURL, s.opts)
	} else {
		r, err = FromIssuer(s.ctx, e.issuer, s.opts)
	}
	if err != nil && !errors.Is(err, token.ErrUnavailable) {
		// An unacceptable URL (ErrURL) from a resolver or a template: the
		// issuer's keys cannot be had, which is an outage of configuration.
		err = unavailable(err, "the keys of issuer %s cannot be fetched", excerpt.Of(e.issuer))
	}
	s.mu.Lock()
	e.remote, e.err = r, err
	if err != nil {
		e.failed = s.now()
	}
	orphan := r != nil && (s.closed || e.evicted)
	close(e.ready)
	s.mu.Unlock()
	if orphan {
		r.Close()
	}
}

// Len returns how many issuers have a key source of their own, or one in
// the making, or a recent failure to make one.
func (s *Issuers) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sources)
}

// Close closes every per-issuer Remote, ends creations in progress and
// waits for them, and releases idle connections. Keys is left open. Tokens
// of an issuer that needs a Remote are refused afterwards with
// token.ErrUnavailable. It returns nil; a second call does nothing.
func (s *Issuers) Close() error {
	if s == nil || s.ctx == nil {
		return nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	var remotes []*Remote
	for _, e := range s.sources {
		if e.remote != nil {
			remotes = append(remotes, e.remote)
		}
	}
	s.mu.Unlock()
	for _, r := range remotes {
		r.Close()
	}
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	return nil
}
