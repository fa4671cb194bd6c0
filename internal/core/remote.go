package core

// Remote key sets: the public keys of another issuer, fetched from its JWKS
// URL and refreshed in the background.
//
// The JWK parsing is written here rather than taken from a JWKS library
// (github.com/MicahParks/jwkset, for example): the root module depends on
// Fiber, golang-jwt and fasthttp only, and the few key types a verifier of
// JWS signatures needs (RSA, EC on P-256/384/521, Ed25519) take little code
// with the standard library, which also checks that EC points lie on their
// curve (crypto/ecdh).
//
// The hot path pays one nil check for a local KeySet (keyRing.remote) and,
// for a remote one, an atomic load and a clock read (remoteKeys.fresh).
// Everything else happens in one goroutine per remote set: periodic fetches,
// the fetches an unknown kid asks for (at most one per MinRefresh, waited
// for only up to UnknownKidWait, by default not at all) and the retries
// after a failure.

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// RemoteKeys is the adapters' RemoteKeys, whose documentation is the
// reference.
type RemoteKeys struct {
	URL            string
	Issuer         string
	AllowHTTP      bool
	Client         *http.Client
	Timeout        time.Duration
	RSAAlgorithm   string
	RSAAlgorithms  []string
	Refresh        time.Duration
	MinRefresh     time.Duration
	MaxRefresh     time.Duration
	MaxStale       time.Duration
	UnknownKidWait time.Duration
	StartEmpty     bool
	OwnTokens      bool
	OnError        func(err error)
}

// Defaults of RemoteKeys.
const (
	defaultRemoteTimeout = 10 * time.Second
	defaultRefresh       = 5 * time.Minute
	defaultMinRefresh    = time.Minute
	defaultMaxRefresh    = 15 * time.Minute
	defaultMaxStale      = time.Hour

	// maxJWKSSize caps the body of a JWKS response: a larger one is a
	// failed fetch.
	maxJWKSSize = 1 << 20
)

// remoteKeys is what a KeySet made by NewRemoteKeySet holds besides its
// ring.
type remoteKeys struct {
	cfg    RemoteKeys
	ks     *KeySet
	client *http.Client

	base       time.Time    // the origin of validUntil, with a monotonic reading
	validUntil atomic.Int64 // time.Since(base) from which the keys are stale; 0: none yet
	kick       chan struct{}

	nextKick atomic.Int64                  // time.Since(base) from which a kick fetches at once: the last fetch plus MinRefresh
	fetched  atomic.Pointer[chan struct{}] // closed when the current fetch ends
	stopped  chan struct{}                 // closed when run returns: no fetch will come
}

// errKeysStale is what a request gets when the keys are stale.
var errKeysStale = fmt.Errorf("%w: the JWKS could not be fetched for longer than RemoteKeys.MaxStale", ErrKeysUnavailable)

// NewRemoteKeySet is the adapters' NewRemoteKeySet, which documents it;
// the comment at the top of this file tells how it works.
func NewRemoteKeySet(ctx context.Context, cfg RemoteKeys) (*KeySet, error) {
	if err := remoteDefault(&cfg); err != nil {
		return nil, err
	}
	r := &remoteKeys{cfg: cfg, base: time.Now(), kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	fetched := make(chan struct{})
	r.fetched.Store(&fetched)
	client := &http.Client{}
	if cfg.Client != nil {
		c := *cfg.Client
		client = &c
	}
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		if req.URL.Scheme != "https" && !cfg.AllowHTTP {
			return fmt.Errorf("redirect to %s refused: not https", req.URL.Redacted())
		}
		return nil
	}
	r.client = client
	ks := &KeySet{remote: r}
	r.ks = ks
	ks.ring.Store(&keyRing{byID: map[string]*keyState{}, byHeader: map[string]*keyState{}, remote: r})

	if cfg.Issuer != "" {
		if err := r.discover(ctx); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
		}
	}
	next, err := r.fetch(ctx)
	if err != nil && !cfg.StartEmpty {
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	if err != nil {
		r.report(err)
	}
	go r.run(ctx, next)
	return ks, nil
}

// discover reads the issuer's OpenID Provider metadata (or, failing
// that, its OAuth 2 authorization server metadata, RFC 8414) and takes its
// jwks_uri as the URL, once: the issuer named there must be RemoteKeys.Issuer.
func (r *remoteKeys) discover(ctx context.Context) error {
	base := strings.TrimSuffix(r.cfg.Issuer, "/")
	var errs []error
	for _, doc := range []string{base + "/.well-known/openid-configuration", wellKnownAS(r.cfg.Issuer)} {
		body, _, err := r.get(ctx, doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", doc, err))
			continue
		}
		var meta struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := json.Unmarshal(body, &meta); err != nil {
			errs = append(errs, fmt.Errorf("%s: not JSON metadata: %w", doc, err))
			continue
		}
		if meta.Issuer != r.cfg.Issuer {
			return fmt.Errorf("discovery at %s names the issuer %q, not %q: set RemoteKeys.Issuer to it exactly", doc, meta.Issuer, r.cfg.Issuer)
		}
		if err := remoteURL(meta.JWKSURI, r.cfg.AllowHTTP); err != nil {
			return fmt.Errorf("discovery at %s: jwks_uri %q %v", doc, meta.JWKSURI, err)
		}
		r.cfg.URL = meta.JWKSURI
		return nil
	}
	return fmt.Errorf("discovery of %s: %w", r.cfg.Issuer, errors.Join(errs...))
}

// wellKnownAS is RFC 8414's metadata address of an issuer: the well-known
// segment goes before the issuer's path.
func wellKnownAS(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return issuer
	}
	u.Path = "/.well-known/oauth-authorization-server" + strings.TrimSuffix(u.Path, "/")
	return u.String()
}

// remoteURL checks an address that keys come from: https, or http with
// AllowHTTP; the error completes a sentence naming it.
func remoteURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return errors.New("is not an http(s) URL")
	case u.Scheme == "http" && !allowHTTP:
		return errors.New("is plain http, so anyone on the path could substitute the keys: use https (AllowHTTP is for tests)")
	}
	return nil
}

// remoteDefault applies RemoteKeys' defaults and validates it.
func remoteDefault(cfg *RemoteKeys) error {
	switch {
	case cfg.Issuer != "" && cfg.URL != "":
		return configError("RemoteKeys: set URL (the JWKS) or Issuer (discovery), not both")
	case cfg.Issuer != "":
		if err := remoteURL(cfg.Issuer, cfg.AllowHTTP); err != nil {
			return configError("RemoteKeys.Issuer %q %v", cfg.Issuer, err)
		}
	case cfg.URL == "":
		return configError("RemoteKeys.URL is empty: set it to the issuer's JWKS address, or set Issuer for discovery")
	default:
		if err := remoteURL(cfg.URL, cfg.AllowHTTP); err != nil {
			return configError("RemoteKeys.URL %q %v", cfg.URL, err)
		}
	}
	for _, alg := range append([]string{cfg.RSAAlgorithm}, cfg.RSAAlgorithms...) {
		if alg != "" && !slices.Contains([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, alg) {
			return configError("RemoteKeys.RSAAlgorithm(s) %q is not an RSA algorithm: use RS256/384/512 or PS256/384/512", alg)
		}
	}
	cfg.RSAAlgorithms = accepted(cfg.RSAAlgorithm, cfg.RSAAlgorithms)
	for _, d := range []struct {
		name  string
		field *time.Duration
		def   time.Duration
	}{
		{"Timeout", &cfg.Timeout, defaultRemoteTimeout},
		{"Refresh", &cfg.Refresh, defaultRefresh},
		{"MinRefresh", &cfg.MinRefresh, defaultMinRefresh},
		{"MaxRefresh", &cfg.MaxRefresh, defaultMaxRefresh},
		{"MaxStale", &cfg.MaxStale, defaultMaxStale},
	} {
		switch {
		case *d.field == 0:
			*d.field = d.def
		case *d.field < 0:
			return configError("RemoteKeys.%s %v is negative: use 0 for the default (%v)", d.name, *d.field, d.def)
		}
	}
	switch {
	case cfg.MinRefresh > cfg.MaxRefresh:
		return configError("RemoteKeys.MinRefresh %v is longer than MaxRefresh %v", cfg.MinRefresh, cfg.MaxRefresh)
	case cfg.MaxRefresh >= cfg.MaxStale:
		return configError("RemoteKeys.MaxRefresh %v is not shorter than MaxStale %v: the keys would go stale between two fetches", cfg.MaxRefresh, cfg.MaxStale)
	}
	return nil
}

// fresh reports whether the keys may be used: fetched, and not longer ago
// than MaxStale.
func (r *remoteKeys) fresh() bool {
	v := r.validUntil.Load()
	return v != 0 && int64(time.Since(r.base)) < v
}

// unknownKid asks the refresh goroutine for a fetch and, when
// RemoteKeys.UnknownKidWait allows and the fetch may run at once, waits for
// it to end. It reports whether it waited for a fetch that ended.
func (r *remoteKeys) unknownKid() bool {
	wait := r.cfg.UnknownKidWait
	done := *r.fetched.Load()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	if wait <= 0 || int64(time.Since(r.base)) < r.nextKick.Load() {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-r.stopped: // the context of NewRemoteKeySet ended: no fetch will run
		return false
	case <-t.C:
		return false
	}
}

func (r *remoteKeys) report(err error) {
	if r.cfg.OnError != nil {
		r.cfg.OnError(err)
	}
}

// run fetches the keys after next, and then as the responses say, until
// ctx is done; a token with an unknown kid brings the next fetch forward
// to MinRefresh after the last one.
func (r *remoteKeys) run(ctx context.Context, next time.Duration) {
	defer close(r.stopped)
	due := time.Now().Add(next)
	timer := time.NewTimer(next)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
			at := r.base.Add(time.Duration(r.nextKick.Load()))
			if !at.Before(due) {
				continue
			}
			due = at
			resetTimer(timer, time.Until(at))
			continue
		case <-timer.C:
		}
		next, err := r.fetch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.report(err)
		}
		due = time.Now().Add(next)
		timer.Reset(next)
	}
}

// resetTimer makes t fire after d, whether or not it fired already.
func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

// fetch gets the keys and puts them in force, and returns when to fetch
// next.
func (r *remoteKeys) fetch(ctx context.Context) (time.Duration, error) {
	r.nextKick.Store(int64(time.Since(r.base) + r.cfg.MinRefresh))
	defer func() { // wake the requests that wait for this fetch
		next := make(chan struct{})
		close(*r.fetched.Swap(&next))
	}()
	body, maxAge, err := r.get(ctx, r.cfg.URL)
	if err != nil {
		return r.cfg.MinRefresh, fmt.Errorf("fiberjwt: fetching JWKS from %s: %w", r.cfg.URL, err)
	}
	keys, err := r.parse(body)
	if err != nil {
		return r.cfg.MinRefresh, fmt.Errorf("fiberjwt: JWKS from %s: %w", r.cfg.URL, err)
	}
	r.ks.mu.Lock()
	r.ks.ring.Store(remoteRing(keys, r.ks.ring.Load(), r))
	r.ks.mu.Unlock()
	r.validUntil.Store(int64(time.Since(r.base) + r.cfg.MaxStale))
	next := r.cfg.Refresh
	if maxAge >= 0 {
		next = maxAge
	}
	return min(max(next, r.cfg.MinRefresh), r.cfg.MaxRefresh), nil
}

// get returns the body of a successful response, at most maxJWKSSize
// bytes, and its max-age (-1: none).
func (r *remoteKeys) get(ctx context.Context, url string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, -1, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, -1, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, -1, fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize+1))
	switch {
	case err != nil:
		return nil, -1, err
	case len(body) > maxJWKSSize:
		return nil, -1, fmt.Errorf("body larger than %d bytes", maxJWKSSize)
	}
	return body, maxAge(resp.Header.Values("Cache-Control")), nil
}

// maxAge returns the max-age of Cache-Control header values, or -1.
func maxAge(values []string) time.Duration {
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(d), "=")
			if !strings.EqualFold(name, "max-age") {
				continue
			}
			if n, err := strconv.ParseInt(strings.Trim(arg, `"`), 10, 32); err == nil && n >= 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return -1
}

// parse returns the usable keys of a JWKS, reporting the others.
func (r *remoteKeys) parse(body []byte) ([]*keyState, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	if set.Keys == nil {
		var meta struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(body, &meta) == nil && meta.JWKSURI != "" {
			return nil, fmt.Errorf("not a JSON Web Key Set but an issuer's metadata: set RemoteKeys.Issuer for discovery, or URL to its jwks_uri %q", meta.JWKSURI)
		}
	}
	keys := make([]*keyState, 0, len(set.Keys))
	seen := make(map[string]bool, len(set.Keys))
	var skipped []error
	for i, raw := range set.Keys {
		st, err := parseJWK(raw, i, r.cfg.RSAAlgorithms)
		if err == nil && !st.anonymous && seen[st.id] {
			err = fmt.Errorf("kid %q: listed twice, the first one is used", st.id)
		}
		if err != nil {
			err = fmt.Errorf("key %d skipped: %w", i, err)
			r.report(fmt.Errorf("fiberjwt: JWKS from %s: %w", r.cfg.URL, err))
			skipped = append(skipped, err)
			continue
		}
		seen[st.id] = true
		keys = append(keys, st)
	}
	if len(keys) == 0 {
		// The reasons, such as "set RemoteKeys.RSAAlgorithm", go with the
		// error too, not only to OnError.
		return nil, fmt.Errorf("no usable key among %d: %w", len(set.Keys), errors.Join(skipped...))
	}
	return keys, nil
}

// remoteRing returns the ring of keys, reusing old's state for the keys
// that did not change, so that the tokens they verified stay cached.
func remoteRing(keys []*keyState, old *keyRing, r *remoteKeys) *keyRing {
	ring := &keyRing{keys: keys, byID: make(map[string]*keyState, len(keys)), byHeader: make(map[string]*keyState, len(keys)), remote: r}
	for i, k := range keys {
		if o := old.byID[k.id]; o != nil && o.method == k.method && publicKeysEqual(o.verifyKey, k.verifyKey) {
			k = o
			keys[i] = o
		}
		if !k.anonymous { // no token names it
			ring.byID[k.id] = k
			ring.byHeader[k.header] = k
		}
	}
	return ring
}

// jsonWebKey is the part of a JWK that a verifier reads.
type jsonWebKey struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Alg    string   `json:"alg"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// curves are the EC curves of JWKs, with the algorithm each implies.
var curves = map[string]struct {
	ecdh  ecdh.Curve
	curve elliptic.Curve
	alg   string
}{
	"P-256": {ecdh.P256(), elliptic.P256(), "ES256"},
	"P-384": {ecdh.P384(), elliptic.P384(), "ES384"},
	"P-521": {ecdh.P521(), elliptic.P521(), "ES512"},
}

// parseJWK returns the verifying key of a public JWK, or why it is not
// usable.
func parseJWK(raw []byte, index int, rsaAlgs []string) (*keyState, error) {
	var j jsonWebKey
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, err
	}
	anonymous := j.Kid == ""
	if anonymous {
		// Verifies kid-less tokens only (see keyFor), when it is the one
		// key of their algorithm; named for the messages alone.
		j.Kid = fmt.Sprintf("(no-kid-key-%d)", index)
	}
	switch {
	case j.Use != "" && j.Use != "sig":
		return nil, fmt.Errorf("kid %q: use %q is not \"sig\"", j.Kid, j.Use)
	case j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify"):
		return nil, fmt.Errorf("kid %q: key_ops %q lack \"verify\"", j.Kid, j.KeyOps)
	case strings.HasPrefix(j.Alg, "HS") || strings.EqualFold(j.Alg, "none"):
		return nil, fmt.Errorf("kid %q: alg %q is not an asymmetric signature", j.Kid, j.Alg)
	}
	b64 := base64.RawURLEncoding.Strict()
	alg := j.Alg
	var also []string // more algorithms an RSA key without alg verifies
	var pub any
	switch j.Kty {
	case "RSA":
		n, err1 := b64.DecodeString(j.N)
		e, err2 := b64.DecodeString(j.E)
		if err := errors.Join(err1, err2); err != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("kid %q: invalid RSA n or e", j.Kid)
		}
		exp := new(big.Int).SetBytes(e).Int64()
		if exp < 3 || exp > 1<<31-1 || exp%2 == 0 {
			return nil, fmt.Errorf("kid %q: invalid RSA exponent %d", j.Kid, exp)
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}
		if alg == "" {
			if len(rsaAlgs) == 0 {
				return nil, fmt.Errorf("kid %q: RSA key without alg (set RemoteKeys.RSAAlgorithm to assume one)", j.Kid)
			}
			alg, also = rsaAlgs[0], rsaAlgs[1:]
		}
	case "EC":
		c, ok := curves[j.Crv]
		if !ok {
			return nil, fmt.Errorf("kid %q: curve %q is not supported", j.Kid, j.Crv)
		}
		size := (c.curve.Params().BitSize + 7) / 8
		x, err1 := b64.DecodeString(j.X)
		y, err2 := b64.DecodeString(j.Y)
		if errors.Join(err1, err2) != nil || len(x) != size || len(y) != size {
			return nil, fmt.Errorf("kid %q: invalid EC x or y", j.Kid)
		}
		// crypto/ecdh refuses points that are not on the curve.
		if _, err := c.ecdh.NewPublicKey(append(append([]byte{4}, x...), y...)); err != nil {
			return nil, fmt.Errorf("kid %q: %w", j.Kid, err)
		}
		pub = &ecdsa.PublicKey{Curve: c.curve, X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if alg == "" {
			alg = c.alg
		}
	case "OKP":
		x, err := b64.DecodeString(j.X)
		if j.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("kid %q: only Ed25519 OKP keys are supported, with a 32-byte x", j.Kid)
		}
		pub = ed25519.PublicKey(x)
		if alg == "" || alg == ed25519Alg {
			alg = "EdDSA" // which verifies tokens of either name
		}
	case "oct":
		return nil, fmt.Errorf("kid %q: symmetric (oct) keys are never fetched", j.Kid)
	default:
		return nil, fmt.Errorf("kid %q: key type %q is not supported", j.Kid, j.Kty)
	}
	st, err := newKeyState(Key{ID: j.Kid, Algorithm: alg, PublicKey: pub})
	if err != nil {
		// Not a bug of the caller's: drop ErrConfig.
		return nil, errors.New(strings.TrimPrefix(err.Error(), ErrConfig.Error()+": "))
	}
	for _, a := range also {
		st.also = append(st.also, jwt.GetSigningMethod(a))
	}
	st.anonymous = anonymous
	return st, nil
}
