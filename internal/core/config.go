package core

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// Config is the adapters' Config (fiberjwt.Config of Fiber v2 and v3),
// whose documentation is the reference, with the framework's types as type
// parameters: C is the request context (*fiber.Ctx in v2, fiber.Ctx in v3),
// K the adapter's *KeySet, S its fiber.Storage, R its Revocations and E its
// Event. Its fields are the adapters' fields in the same order, so that an
// adapter converts its Config with one conversion.
type Config[U, C, K, S, R, E any] struct {
	Next              func(c C) bool
	SecretKey         []byte
	Algorithm         string
	Keys              K
	Authenticate      func(c C, id, password string) (U, error)
	Subject           func(user U) string
	UserFromClaims    func(claims map[string]any) (U, error)
	Validate          func(c C, user U) error
	Unauthorized      func(c C, err error) error
	OnEvent           func(c C, e E)
	CookieName        string
	CookieDomain      string
	CookiePath        string
	CookieSameSite    string
	InsecureCookie    bool
	Expiration        time.Duration
	RefreshBefore     time.Duration
	MaxSessionAge     time.Duration
	BrowserSessionAge time.Duration
	DisableRefresh    bool
	DisableCSRF       bool
	CSRFCookieName    string
	InsecureCrossSite bool
	AcceptBearer      bool
	LoginOrigins      []string
	LoginAttempts     int
	LoginWindow       time.Duration
	DisableThrottle   bool
	Leeway            time.Duration
	Issuer            string
	Audience          string
	Issuers           []string
	Audiences         []string
	ContextKey        string
	Storage           S
	Revocations       R
	CacheSize         int
	TimeFunc          func() time.Time
}

// Adapter is what the middleware needs from a framework whose request
// context is C. Everything else goes through the fasthttp request context
// that both Fiber v2 and v3 wrap.
type Adapter[C any] struct {
	// Request returns the fasthttp request context of c.
	Request func(c C) *fasthttp.RequestCtx
	// Next runs the next handler.
	Next func(c C) error
	// Context returns the context.Context of c, for the context methods
	// of a Storage that has them (Fiber v3's).
	Context func(c C) context.Context
	// ReadBufferSize returns the app's read buffer size, which bounds
	// the request headers and so the token cookie; 0 means Fiber's
	// default.
	ReadBufferSize func(c C) int
	// IP returns the client's address as the app sees it (behind a
	// trusted proxy, the one the proxy reports): login throttling and
	// events use it.
	IP func(c C) string
	// Warn logs a hint about a likely misconfiguration (Fiber's log); it
	// is called at New and at most once per instance afterwards, never on
	// a request that passes.
	Warn func(msg string)
}

// settings is a Config with its defaults applied and the adapter's types
// resolved: what the middleware reads on every request. Its Storage is nil
// when Revocations is set.
type settings[U, C any] struct {
	Config[U, C, *KeySet, Storage, Revocations, Event]
	sameSite        fasthttp.CookieSameSite // CookieSameSite's
	contextStorage  ContextStorage          // Storage's context methods, when it has them
	userRevocations UserRevocations         // Revocations', when it has them
	memory          *memoryStorage          // Storage, when it is the default
	// attempts keeps the failed logins counted for throttling: Storage
	// when the app set one, else an in-memory store of its own, so that
	// an attacker's failures never fill the store of revocations.
	attempts store
	// requestTime: TimeFunc is the default, so a request is judged at the
	// time fasthttp read on the clock as it began handling it (see
	// middleware.requestNow).
	requestTime bool
}

// Storage is the part of fiber.Storage (v2 and v3) that keeps revocations.
type Storage interface {
	Get(key string) ([]byte, error)
	Set(key string, val []byte, exp time.Duration) error
}

// ContextStorage is the part of Fiber v3's Storage that takes a context:
// it is used instead of Storage's methods when present.
type ContextStorage interface {
	GetWithContext(ctx context.Context, key string) ([]byte, error)
	SetWithContext(ctx context.Context, key string, val []byte, exp time.Duration) error
}

// The names under which the CSRF value travels; see Config.DisableCSRF
// and Config.CSRFCookieName.
const (
	// CSRFHeader is the request header that carries it for scripts.
	CSRFHeader = "X-CSRF-Token"
	// CSRFField is the form field that carries it for HTML forms.
	CSRFField = "csrf_token"
)

const (
	defaultAlgorithm  = "HS512"
	defaultCookieName = "token"
	defaultContextKey = "user"
	defaultExpiration = 24 * time.Hour
	// defaultMaxSessionAge is the default absolute lifetime of a login.
	defaultMaxSessionAge = 7 * 24 * time.Hour
	// defaultRevocations bounds the default in-memory revocation store.
	defaultRevocations = 100_000
	// defaultBrowserSessionAge is the default absolute lifetime of a
	// login that is not remembered.
	defaultBrowserSessionAge = 12 * time.Hour
	// Login throttling: failed logins allowed per account and address
	// in a window, and per address (any account) the multiple of it.
	defaultLoginAttempts = 5
	defaultLoginWindow   = time.Minute
	addressAttempts      = 4
	// defaultAttempts bounds the in-memory store of failed logins.
	defaultAttempts = 100_000
)

// configDefault returns pub with its defaults applied and the adapter's
// types resolved, or an error wrapping ErrConfig that names the field and
// the fix.
func configDefault[U, C, K, S, R, E any](pub Config[U, C, K, S, R, E], keys func(K) *KeySet, event func(Event) E) (settings[U, C], error) {
	cfg := settings[U, C]{Config: Config[U, C, *KeySet, Storage, Revocations, Event]{
		Next: pub.Next, SecretKey: pub.SecretKey, Algorithm: pub.Algorithm, Keys: keys(pub.Keys),
		Authenticate: pub.Authenticate, Subject: pub.Subject, UserFromClaims: pub.UserFromClaims, Validate: pub.Validate, Unauthorized: pub.Unauthorized,
		CookieName: pub.CookieName, CookieSameSite: pub.CookieSameSite, CookieDomain: pub.CookieDomain, CookiePath: pub.CookiePath, InsecureCookie: pub.InsecureCookie,
		Expiration: pub.Expiration, RefreshBefore: pub.RefreshBefore, MaxSessionAge: pub.MaxSessionAge, BrowserSessionAge: pub.BrowserSessionAge,
		DisableRefresh: pub.DisableRefresh, DisableCSRF: pub.DisableCSRF, CSRFCookieName: pub.CSRFCookieName, InsecureCrossSite: pub.InsecureCrossSite,
		AcceptBearer: pub.AcceptBearer, LoginOrigins: pub.LoginOrigins, LoginAttempts: pub.LoginAttempts, LoginWindow: pub.LoginWindow,
		DisableThrottle: pub.DisableThrottle, Leeway: pub.Leeway, Issuer: pub.Issuer,
		Audience: pub.Audience, Issuers: slices.Clone(pub.Issuers), Audiences: slices.Clone(pub.Audiences), ContextKey: pub.ContextKey, CacheSize: pub.CacheSize, TimeFunc: pub.TimeFunc,
	}}
	if on := pub.OnEvent; on != nil {
		cfg.OnEvent = func(c C, e Event) { on(c, event(e)) }
	}
	if err := checkSecret(&cfg); err != nil {
		return cfg, err
	}
	if err := checkStore(&cfg, any(pub.Storage), any(pub.Revocations)); err != nil {
		return cfg, err
	}

	if cfg.CookieName == "" {
		cfg.CookieName = defaultCookieName
	}
	if !isToken(cfg.CookieName) {
		return cfg, configError("CookieName %q is not a valid cookie name: use letters, digits and !#$%%&'*+-.^_`|~ only", cfg.CookieName)
	}
	if cfg.CookiePath == "" {
		cfg.CookiePath = "/"
	}
	if !strings.HasPrefix(cfg.CookiePath, "/") || !isAttributeValue(cfg.CookiePath) {
		return cfg, configError("CookiePath %q must start with / and contain no ';', spaces or control characters", cfg.CookiePath)
	}
	if !isAttributeValue(cfg.CookieDomain) {
		return cfg, configError("CookieDomain %q must contain no ';', spaces or control characters", cfg.CookieDomain)
	}
	switch strings.ToLower(cfg.CookieSameSite) {
	case "", "lax":
		cfg.sameSite = fasthttp.CookieSameSiteLaxMode
	case "strict":
		cfg.sameSite = fasthttp.CookieSameSiteStrictMode
	case "none":
		if cfg.InsecureCookie {
			return cfg, configError(`CookieSameSite "None" requires a Secure cookie: unset InsecureCookie or use "Lax"`)
		}
		cfg.sameSite = fasthttp.CookieSameSiteNoneMode
	default:
		return cfg, configError(`CookieSameSite %q is not supported: use "Lax" (default), "Strict" or "None"`, cfg.CookieSameSite)
	}
	if cfg.sameSite == fasthttp.CookieSameSiteNoneMode && cfg.DisableCSRF && !cfg.InsecureCrossSite {
		return cfg, configError(`CookieSameSite "None" with DisableCSRF lets any site send requests as the signed-in user: keep CSRF on (unset DisableCSRF), use "Lax" or "Strict", or set InsecureCrossSite if another layer checks the origin of unsafe requests`)
	}
	if err := checkPrefix(&cfg, "CookieName", cfg.CookieName); err != nil {
		return cfg, err
	}
	if err := checkCSRFCookie(&cfg); err != nil {
		return cfg, err
	}

	switch {
	case cfg.Expiration == 0:
		cfg.Expiration = defaultExpiration
	case cfg.Expiration < time.Second:
		return cfg, configError("Expiration %v is too short: use at least one second (default 24h)", cfg.Expiration)
	}
	switch {
	case cfg.RefreshBefore == 0:
		cfg.RefreshBefore = cfg.Expiration / 2
	case cfg.RefreshBefore < 0 || cfg.RefreshBefore >= cfg.Expiration:
		return cfg, configError("RefreshBefore %v must be positive and less than Expiration %v (default: half of it)", cfg.RefreshBefore, cfg.Expiration)
	}
	switch {
	case cfg.MaxSessionAge == 0:
		cfg.MaxSessionAge = max(defaultMaxSessionAge, cfg.Expiration)
	case cfg.MaxSessionAge < cfg.Expiration:
		return cfg, configError("MaxSessionAge %v is shorter than Expiration %v: make it at least as long (default 7 days)", cfg.MaxSessionAge, cfg.Expiration)
	}
	switch {
	case cfg.BrowserSessionAge == 0:
		cfg.BrowserSessionAge = min(defaultBrowserSessionAge, cfg.MaxSessionAge)
	case cfg.BrowserSessionAge < time.Second || cfg.BrowserSessionAge > cfg.MaxSessionAge:
		return cfg, configError("BrowserSessionAge %v must be at least one second and at most MaxSessionAge %v (default 12h, or MaxSessionAge when shorter)", cfg.BrowserSessionAge, cfg.MaxSessionAge)
	}
	switch {
	case cfg.LoginAttempts == 0:
		cfg.LoginAttempts = defaultLoginAttempts
	case cfg.LoginAttempts < 0:
		return cfg, configError("LoginAttempts %d is negative: use 0 for the default (%d), or set DisableThrottle to turn throttling off", cfg.LoginAttempts, defaultLoginAttempts)
	}
	switch {
	case cfg.LoginWindow == 0:
		cfg.LoginWindow = defaultLoginWindow
	case cfg.LoginWindow < time.Second:
		return cfg, configError("LoginWindow %v is too short: use at least one second (default one minute)", cfg.LoginWindow)
	}
	switch {
	case cfg.Leeway < 0:
		return cfg, configError("Leeway %v is negative: use 0 (default) or a small positive clock skew", cfg.Leeway)
	case cfg.Leeway >= cfg.Expiration:
		return cfg, configError("Leeway %v is not shorter than Expiration %v: Leeway is the clock skew between machines (typically a few seconds) and must be shorter than Expiration", cfg.Leeway, cfg.Expiration)
	}
	if err := checkOrigins(&cfg.LoginOrigins); err != nil {
		return cfg, err
	}
	if cfg.ContextKey == "" {
		cfg.ContextKey = defaultContextKey
	}
	if cfg.TimeFunc == nil {
		cfg.TimeFunc, cfg.requestTime = time.Now, true
	}
	switch {
	case cfg.CacheSize == 0:
		cfg.CacheSize = defaultCacheSize
	case cfg.CacheSize < 0:
		return cfg, configError("CacheSize %d is negative: use 0 for the default (%d) or a positive number of tokens", cfg.CacheSize, defaultCacheSize)
	}
	cfg.attempts = store{Storage: cfg.Storage, ctx: cfg.contextStorage}
	if cfg.Revocations == nil && cfg.Storage == nil {
		cfg.memory = newMemoryStorage(defaultRevocations, cfg.TimeFunc)
		cfg.Storage = cfg.memory
		cfg.attempts = store{}
	}
	if cfg.attempts.Storage == nil && !cfg.DisableThrottle {
		cfg.attempts = store{Storage: newMemoryStorage(defaultAttempts, cfg.TimeFunc)}
	}

	var zero U
	if _, err := json.Marshal(zero); err != nil {
		return cfg, configError("user type %T cannot be encoded as JSON: %v", zero, err)
	}
	if field := passwordField(reflect.TypeOf(zero), 0); field != "" {
		return cfg, configError("user type %T has the field %q: never put a password or its hash in a token; drop the field or tag it `json:\"-\"`", zero, field)
	}
	return cfg, nil
}

// checkStore sets cfg's Storage, ContextStorage or Revocations from the
// adapter's storage and revocations, which may be nil.
func checkStore[U, C any](cfg *settings[U, C], storage, revocations any) error {
	switch {
	case storage != nil && revocations != nil:
		return configError("set either Storage or Revocations, not both: Revocations keeps the revoked sessions itself")
	case revocations != nil:
		r, ok := revocations.(Revocations)
		if !ok {
			return configError("Revocations %T has no Revoke and IsRevoked methods", revocations)
		}
		cfg.Revocations = r
		cfg.userRevocations, _ = r.(UserRevocations)
	case storage != nil:
		s, ok := storage.(Storage)
		if !ok {
			return configError("Storage %T has no Get and Set methods", storage)
		}
		cfg.Storage = s
		cfg.contextStorage, _ = storage.(ContextStorage)
	}
	return nil
}

// checkPrefix refuses a cookie name (of the field named field) with a
// "__Secure-" or "__Host-" prefix that the cookie settings break. Browsers
// match the prefixes in any case (RFC 6265bis), so must we.
func checkPrefix[U, C any](cfg *settings[U, C], field, name string) error {
	if hasPrefixFold(name, "__Secure-") && cfg.InsecureCookie {
		return configError("%s %q requires a Secure cookie: unset InsecureCookie or rename the cookie", field, name)
	}
	if hasPrefixFold(name, "__Host-") && (cfg.InsecureCookie || cfg.CookiePath != "/" || cfg.CookieDomain != "") {
		return configError(`%s %q requires a Secure cookie with CookiePath "/" and no CookieDomain`, field, name)
	}
	return nil
}

// checkCSRFCookie derives CSRFCookieName from CookieName when it is not
// set ("csrf_" before the name without its "__Host-" or "__Secure-"
// prefix: "token" and "__Host-token" give "csrf_token", as before the
// field existed) and validates it.
func checkCSRFCookie[U, C any](cfg *settings[U, C]) error {
	name := cfg.CSRFCookieName
	if name == "" {
		rest := cfg.CookieName
		for _, p := range []string{"__Host-", "__Secure-"} {
			if hasPrefixFold(rest, p) {
				rest = rest[len(p):]
			}
		}
		name = "csrf_" + rest
		cfg.CSRFCookieName = name
	}
	switch {
	case cfg.DisableCSRF:
		return nil
	case !isToken(name):
		return configError("CSRFCookieName %q is not a valid cookie name: use letters, digits and !#$%%&'*+-.^_`|~ only", name)
	case strings.EqualFold(name, cfg.CookieName):
		return configError("CSRFCookieName %q is the token cookie's name: choose another one, or leave it empty for %q", name, "csrf_"+cfg.CookieName)
	}
	return checkPrefix(cfg, "CSRFCookieName", name)
}

// checkSecret validates Keys, or SecretKey and Algorithm, and copies the
// secret.
func checkSecret[U, C any](cfg *settings[U, C]) error {
	if cfg.Keys != nil {
		if len(cfg.SecretKey) > 0 || cfg.Algorithm != "" {
			return configError("set either Keys or SecretKey and Algorithm, not both: each Key has its own Algorithm")
		}
		if cfg.Keys.foreign() && cfg.UserFromClaims == nil {
			return configError("Keys is a NewRemoteKeySet of another issuer, whose tokens' users only Config.UserFromClaims can build: set it, or RemoteKeys.OwnTokens when the set publishes fiberjwt's own keys (KeySet.JWKS)")
		}
		return nil
	}
	cfg.SecretKey = append([]byte(nil), cfg.SecretKey...)
	if cfg.Algorithm == "" {
		cfg.Algorithm = defaultAlgorithm
	}
	method, ok := hmacMethods[cfg.Algorithm]
	switch {
	case strings.EqualFold(cfg.Algorithm, "none"):
		return configError("Algorithm %q signs nothing: use HS256, HS384 or HS512 (default HS512)", cfg.Algorithm)
	case !ok:
		return configError("Algorithm %q is not supported: use HS256, HS384 or HS512 (default HS512), or Keys for asymmetric keys", cfg.Algorithm)
	}
	if min := method.Hash.Size(); len(cfg.SecretKey) < min {
		if len(cfg.SecretKey) == 0 {
			return configError("SecretKey is empty: set it to at least %d random bytes for %s, kept out of the source code", min, cfg.Algorithm)
		}
		return configError("SecretKey has %d bytes: %s needs at least %d random bytes", len(cfg.SecretKey), cfg.Algorithm, min)
	}
	return nil
}

var hmacMethods = map[string]*jwt.SigningMethodHMAC{
	"HS256": jwt.SigningMethodHS256,
	"HS384": jwt.SigningMethodHS384,
	"HS512": jwt.SigningMethodHS512,
}

// checkOrigins validates Config.LoginOrigins and replaces it with a copy.
func checkOrigins(origins *[]string) error {
	list := make([]string, 0, len(*origins))
	for _, o := range *origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") {
			return configError(`LoginOrigins: %q is not an origin: write it as the Origin header does, "https://host" or "https://host:port", without a path or a trailing slash`, o)
		}
		list = append(list, o)
	}
	*origins = list
	return nil
}

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

// isToken reports whether s is a non-empty RFC 7230 token, the syntax of a
// cookie name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII and
// Unicode case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isAttributeValue reports whether s can stand as a cookie attribute value.
func isAttributeValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// The names isPasswordName refuses.
var (
	secretNames   = []string{"password", "passwd", "pw", "pwd", "pass", "passphrase", "passcode"}
	passwordParts = []string{"pass", "pw"}                                        // "pw" covers "pwd"
	hashParts     = []string{"hash", "digest", "crypt", "salt", "argon", "pbkdf"} // "crypt" covers encrypted, bcrypt, scrypt
)

// isPasswordName reports whether the field name n looks like a password or
// its hash. n is lowercased and stripped of '_', '-' and '.' first; it is
// refused when it is one of secretNames, or when it contains one of
// passwordParts together with one of hashParts (password_digest,
// encrypted_password, hashed_pwd, pwSalt, argon2_pass ...). A name with only
// one of the two (passport, bypass, password_changed_at, content_hash, salt)
// is accepted.
func isPasswordName(n string) bool {
	n = strings.NewReplacer("_", "", "-", "", ".", "").Replace(strings.ToLower(n))
	return slices.Contains(secretNames, n) || (containsAny(n, passwordParts) && containsAny(n, hashParts))
}

func containsAny(s string, parts []string) bool {
	return slices.ContainsFunc(parts, func(p string) bool { return strings.Contains(s, p) })
}

// passwordField returns the JSON or Go name of a field of t (or of a struct
// nested in it) that looks like a password or its hash (see isPasswordName),
// or "".
func passwordField(t reflect.Type, depth int) string {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct || depth > 8 {
		return ""
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue // not encoded (`json:"-,"` is: under the key "-")
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		// Check the JSON key and the Go name: a Password field renamed by
		// its tag still carries a password.
		for _, n := range []string{name, f.Name} {
			if isPasswordName(n) {
				return n
			}
		}
		if nested := passwordField(f.Type, depth+1); nested != "" {
			return nested
		}
	}
	return ""
}
