// Package flow is the OpenID Connect sign-in of oidclogin, written once for
// both adapters (Fiber v2 in the module's root package, Fiber v3 in
// oidclogin/fiberv3). It speaks fasthttp, which both Fiber versions run on:
// Begin answers the request that starts a sign-in, Finish the provider's
// callback. What happens with the identity Finish returns (the app's user,
// fiberjwt's session) is the adapters' part.
package flow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/valyala/fasthttp"
	"golang.org/x/oauth2"
)

// Provider is one OpenID Provider, as the adapters' Provider declares it.
type Provider struct {
	Name         string
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       []string
	AuthParams   map[string]string
}

// Settings is the adapters' Config without its typed callbacks.
type Settings struct {
	BaseURL        string
	Prefix         string
	Providers      []Provider
	AfterLogin     string
	StateKey       []byte
	InsecureCookie bool
	FlowTimeout    time.Duration
	HTTPClient     *http.Client
	Now            func() time.Time
}

// Identity is what a successful callback learned about the user.
type Identity struct {
	Provider      string
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	IDToken       *oidc.IDToken
	Token         *oauth2.Token
}

// Return is what a sign-in does once the user is known, chosen when it
// begins: the local path to go to, and whether fiberjwt's session
// outlives the browser (fiberjwt.LoginOptions.Remember).
type Return struct {
	Next     string `json:"r"`
	Remember bool   `json:"m,omitempty"`
}

// Defaults.
const (
	DefaultPrefix      = "/auth"
	DefaultAfterLogin  = "/"
	DefaultFlowTimeout = 10 * time.Minute
	defaultHTTPTimeout = 10 * time.Second
)

// Flow holds the resolved settings and one entry per provider.
type Flow struct {
	s         Settings
	sealer    sealer
	providers map[string]*provider
	order     []string
}

// provider is a configured Provider and, once discovery succeeded, its
// endpoints and ID-token verifier. Discovery runs on the first sign-in and
// again after a failure, never at start-up: an app starts while its
// provider is down, and serves its other routes.
type provider struct {
	Provider
	redirect string
	cookie   string

	mu       sync.Mutex
	op       *oidc.Provider
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// New checks s, applies its defaults and returns the Flow. Every error
// wraps ErrConfig and says what to fix.
func New(s Settings) (*Flow, error) {
	if s.Prefix == "" {
		s.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(s.Prefix, "/") || strings.HasSuffix(s.Prefix, "/") {
		return nil, fmt.Errorf("%w: Prefix %q must start with / and not end with one (default %q)", ErrConfig, s.Prefix, DefaultPrefix)
	}
	if s.AfterLogin == "" {
		s.AfterLogin = DefaultAfterLogin
	}
	if !LocalPath(s.AfterLogin) {
		return nil, fmt.Errorf("%w: AfterLogin %q must be a path on this site, such as /account", ErrConfig, s.AfterLogin)
	}
	base, err := url.Parse(s.BaseURL)
	if s.BaseURL == "" || err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("%w: BaseURL %q must be the site's external URL, such as https://app.example.com; the callbacks are BaseURL+Prefix+\"/NAME/callback\"", ErrConfig, s.BaseURL)
	}
	if base.Scheme == "http" && !s.InsecureCookie {
		return nil, fmt.Errorf("%w: BaseURL %q is plain http, where a Secure cookie would not come back; use https, or set InsecureCookie for local development", ErrConfig, s.BaseURL)
	}
	if s.FlowTimeout == 0 {
		s.FlowTimeout = DefaultFlowTimeout
	}
	if s.FlowTimeout < 0 {
		return nil, fmt.Errorf("%w: FlowTimeout must be positive", ErrConfig)
	}
	if s.HTTPClient == nil {
		s.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	sl, err := newSealer(s.StateKey)
	if err != nil {
		return nil, err
	}
	if len(s.Providers) == 0 {
		return nil, fmt.Errorf("%w: no Providers", ErrConfig)
	}
	f := &Flow{s: s, sealer: sl, providers: make(map[string]*provider, len(s.Providers))}
	for _, p := range s.Providers {
		if !validName(p.Name) {
			return nil, fmt.Errorf("%w: provider name %q must be 1 to 32 lowercase letters, digits, - or _ (it is a path segment and part of a cookie name)", ErrConfig, p.Name)
		}
		if f.providers[p.Name] != nil {
			return nil, fmt.Errorf("%w: two providers named %q", ErrConfig, p.Name)
		}
		iss, err := url.Parse(p.Issuer)
		if err != nil || iss.Host == "" || (iss.Scheme != "https" && !(iss.Scheme == "http" && s.InsecureCookie)) {
			return nil, fmt.Errorf("%w: provider %q: Issuer %q must be the provider's https URL, exactly as its discovery document names it (such as https://accounts.google.com)", ErrConfig, p.Name, p.Issuer)
		}
		if p.ClientID == "" {
			return nil, fmt.Errorf("%w: provider %q: no ClientID (the provider gives one when the app is registered)", ErrConfig, p.Name)
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
		} else if !slices.Contains(p.Scopes, oidc.ScopeOpenID) {
			p.Scopes = append([]string{oidc.ScopeOpenID}, p.Scopes...)
		}
		for k := range p.AuthParams {
			switch k {
			case "client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "response_mode":
				return nil, fmt.Errorf("%w: provider %q: AuthParams may not set %q, which the flow sets itself", ErrConfig, p.Name, k)
			}
		}
		cookie := "oidc_" + p.Name
		if !s.InsecureCookie {
			cookie = "__Host-" + cookie
		}
		f.providers[p.Name] = &provider{
			Provider: p,
			redirect: strings.TrimSuffix(base.String(), "/") + s.Prefix + "/" + p.Name + "/callback",
			cookie:   cookie,
		}
		f.order = append(f.order, p.Name)
	}
	return f, nil
}

// Prefix returns the resolved route prefix.
func (f *Flow) Prefix() string { return f.s.Prefix }

// Names returns the providers' names in the order of the Settings.
func (f *Flow) Names() []string { return append([]string(nil), f.order...) }

// RedirectURL returns the callback URL of the named provider, the one to
// register with it ("" for an unknown name).
func (f *Flow) RedirectURL(name string) string {
	if p := f.providers[name]; p != nil {
		return p.redirect
	}
	return ""
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// LocalPath reports whether s is a path on this site that a redirect may
// go to: it starts with one "/" (not "//" nor "/\", which browsers read as
// another host), and has no scheme, control character or backslash.
func LocalPath(s string) bool {
	if len(s) == 0 || len(s) > 2048 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == ""
}

// discover returns the provider's OAuth 2 configuration and verifier,
// running discovery when no earlier call succeeded.
func (f *Flow) discover(ctx context.Context, p *provider) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.op != nil {
		return p.oauth, p.verifier, nil
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, f.s.HTTPClient), p.Issuer)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return nil, nil, fmt.Errorf("%w: provider %q: its discovery document names the issuer %q, not %q: set Issuer to it exactly: %w", ErrProvider, p.Name, mismatch.Discovered, p.Issuer, err)
		}
		return nil, nil, fmt.Errorf("%w: provider %q: discovery at %s: %w", ErrUnavailable, p.Name, p.Issuer, err)
	}
	p.op = op
	p.oauth = &oauth2.Config{
		ClientID:     p.ClientID,
		ClientSecret: p.ClientSecret,
		Endpoint:     op.Endpoint(),
		RedirectURL:  p.redirect,
		Scopes:       p.Scopes,
	}
	// The verifier checks the signature (keys fetched by go-oidc from the
	// provider's jwks_uri, cached and refetched on an unknown kid), iss,
	// aud (this client) and exp; the nonce is checked by Finish.
	p.verifier = op.VerifierContext(oidc.ClientContext(context.Background(), f.s.HTTPClient), &oidc.Config{ClientID: p.ClientID, Now: f.s.Now})
	return p.oauth, p.verifier, nil
}

// Begin starts a sign-in with the named provider: it seals a new state,
// nonce and PKCE verifier, and ret (its Next replaced by AfterLogin when
// it is not a local path), into a cookie bound to this browser, and
// redirects it to the provider's authorization endpoint.
func (f *Flow) Begin(ctx context.Context, rc *fasthttp.RequestCtx, name string, ret Return) error {
	p := f.providers[name]
	if p == nil {
		return fmt.Errorf("%w: no provider named %q", ErrFlow, name)
	}
	conf, _, err := f.discover(ctx, p)
	if err != nil {
		return err
	}
	if !LocalPath(ret.Next) {
		ret.Next = f.s.AfterLogin
	}
	now := f.s.Now()
	st := state{
		Provider: name,
		State:    random(),
		Nonce:    random(),
		Verifier: oauth2.GenerateVerifier(),
		Return:   ret,
		Expires:  now.Add(f.s.FlowTimeout).Unix(),
	}
	sealed, err := f.sealer.seal(p.cookie, st)
	if err != nil {
		return err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce)}
	for k, v := range p.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	f.setCookie(rc, p.cookie, sealed, now.Add(f.s.FlowTimeout))
	rc.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	rc.Redirect(conf.AuthCodeURL(st.State, opts...), fasthttp.StatusSeeOther)
	return nil
}

// Finish answers the named provider's callback. It clears the flow's
// cookie first, whatever follows (a callback is answered once), then
// checks that the request answers the sign-in this browser started (the
// state, in constant time, and the flow's age), takes the provider's
// error if it sent one, checks the iss parameter when present (RFC 9207),
// exchanges the code with the PKCE verifier, verifies the ID token
// (signature, issuer, audience, expiry) and its nonce. It returns the
// identity and what Begin was given.
func (f *Flow) Finish(ctx context.Context, rc *fasthttp.RequestCtx, name string) (Identity, Return, error) {
	p := f.providers[name]
	if p == nil {
		return Identity{}, Return{}, fmt.Errorf("%w: no provider named %q", ErrFlow, name)
	}
	raw := rc.Request.Header.Cookie(p.cookie)
	if len(raw) == 0 {
		return Identity{}, Return{}, fmt.Errorf("%w: no sign-in with %q in progress in this browser (it expired, was already answered, or was started elsewhere)", ErrFlow, name)
	}
	// A deleted cookie needs its attributes again (__Host- in particular).
	f.setCookie(rc, p.cookie, "", time.Time{})
	st, err := f.sealer.open(p.cookie, string(raw))
	if err != nil {
		return Identity{}, Return{}, err
	}
	now := f.s.Now()
	if st.Provider != name || now.Unix() >= st.Expires {
		return Identity{}, Return{}, fmt.Errorf("%w: the sign-in with %q expired (FlowTimeout %s); start again", ErrFlow, name, f.s.FlowTimeout)
	}
	args := rc.QueryArgs()
	if subtle.ConstantTimeCompare(args.Peek("state"), []byte(st.State)) != 1 {
		return Identity{}, Return{}, fmt.Errorf("%w: the callback's state does not match the sign-in this browser started", ErrFlow)
	}
	if e := args.Peek("error"); len(e) > 0 {
		return Identity{}, Return{}, &ProviderError{Code: clip(string(e)), Description: clip(string(args.Peek("error_description")))}
	}
	if iss := args.Peek("iss"); len(iss) > 0 && string(iss) != p.Issuer {
		return Identity{}, Return{}, fmt.Errorf("%w: the callback names the issuer %q, not %q (RFC 9207 mix-up defence)", ErrRejected, clip(string(iss)), p.Issuer)
	}
	code := string(args.Peek("code"))
	if code == "" {
		return Identity{}, Return{}, fmt.Errorf("%w: the callback has no code", ErrFlow)
	}
	conf, verifier, err := f.discover(ctx, p)
	if err != nil {
		return Identity{}, Return{}, err
	}
	tok, err := conf.Exchange(oidc.ClientContext(ctx, f.s.HTTPClient), code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Identity{}, Return{}, exchangeError(name, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return Identity{}, Return{}, fmt.Errorf("%w: provider %q answered the code without an ID token (is the openid scope granted?)", ErrRejected, name)
	}
	idt, err := verifier.Verify(oidc.ClientContext(ctx, f.s.HTTPClient), rawID)
	if err != nil {
		return Identity{}, Return{}, fmt.Errorf("%w: the ID token from %q: %w", ErrRejected, name, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return Identity{}, Return{}, fmt.Errorf("%w: the ID token from %q carries another nonce than the sign-in this browser started", ErrRejected, name)
	}
	var claims profile
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, Return{}, fmt.Errorf("%w: the ID token from %q: %w", ErrRejected, name, err)
	}
	// Providers that put the profile claims in the UserInfo response
	// only (when an access token is issued, as the specification
	// prefers) get asked there, for the same subject only.
	if claims.Email == "" && claims.Name == "" && p.op.UserInfoEndpoint() != "" {
		ui, err := p.op.UserInfo(oidc.ClientContext(ctx, f.s.HTTPClient), oauth2.StaticTokenSource(tok))
		if err != nil {
			return Identity{}, Return{}, fmt.Errorf("%w: provider %q: userinfo: %w", ErrUnavailable, name, err)
		}
		if ui.Subject != idt.Subject {
			return Identity{}, Return{}, fmt.Errorf("%w: provider %q: the userinfo answer is for subject %q, the ID token for %q", ErrRejected, name, clip(ui.Subject), clip(idt.Subject))
		}
		if err := ui.Claims(&claims); err != nil {
			return Identity{}, Return{}, fmt.Errorf("%w: provider %q: userinfo: %w", ErrRejected, name, err)
		}
	}
	return Identity{
		Provider: name,
		Issuer:   idt.Issuer,
		Subject:  idt.Subject,
		Email:    claims.Email,
		// Some providers send "true" as a string.
		EmailVerified: claims.EmailVerified == true || claims.EmailVerified == "true",
		Name:          claims.Name,
		IDToken:       idt,
		Token:         tok,
	}, st.Return, nil
}

// profile holds the standard claims Identity carries.
type profile struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	Name          string `json:"name"`
}

// exchangeError classifies a failed code exchange.
func exchangeError(name string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("%w: provider %q: token endpoint: %w", ErrUnavailable, name, err)
	}
	switch {
	case re.ErrorCode == "invalid_grant":
		return fmt.Errorf("%w: provider %q refused the code (already used, expired, or not issued for this browser's PKCE verifier): %w", ErrRejected, name, err)
	case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
		return fmt.Errorf("%w: provider %q refused this client's credentials: check ClientID and ClientSecret: %w", ErrProvider, name, err)
	case re.Response != nil && re.Response.StatusCode >= 500:
		return fmt.Errorf("%w: provider %q: token endpoint: %w", ErrUnavailable, name, err)
	}
	return fmt.Errorf("%w: provider %q: token endpoint: %w", ErrProvider, name, err)
}

// clip bounds a value taken from the request before it goes into an error.
func clip(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

func (f *Flow) setCookie(rc *fasthttp.RequestCtx, name, value string, expires time.Time) {
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	c.SetKey(name)
	c.SetValue(value)
	c.SetPath("/")
	c.SetHTTPOnly(true)
	c.SetSecure(!f.s.InsecureCookie)
	c.SetSameSite(fasthttp.CookieSameSiteLaxMode)
	if value == "" {
		c.SetExpire(fasthttp.CookieExpireDelete)
	} else {
		c.SetExpire(expires)
		c.SetMaxAge(int(f.s.FlowTimeout / time.Second))
	}
	rc.Response.Header.SetCookie(c)
}
