package fiberjwt

import (
	"context"
	"net/http"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/core"
)

// RemoteKeys configures NewRemoteKeySet: where the JWKS of another issuer
// is, and how often and how long its keys are trusted.
type RemoteKeys struct {
	// URL is the address of the issuer's JSON Web Key Set (RFC 7517), for
	// example "https://issuer.example.com/.well-known/jwks.json". It must
	// be https, unless AllowHTTP is set; so must every redirect.
	//
	// Required, unless Issuer is set.
	URL string

	// Issuer, instead of URL, is the issuer's URL as its tokens name it
	// (https://login.microsoftonline.com/TENANT/v2.0,
	// https://KEYCLOAK/realms/REALM, https://TENANT.auth0.com/,
	// https://accounts.google.com): NewRemoteKeySet reads its metadata
	// (Issuer + "/.well-known/openid-configuration", else RFC 8414's
	// oauth-authorization-server document), checks that it names this
	// issuer exactly, and fetches the keys from its jwks_uri. Discovery runs
	// once; its failure is NewRemoteKeySet's error, StartEmpty or not. Set Config.Issuer to
	// the same value so that tokens of other issuers are refused.
	//
	// Optional. Default: "" (URL is the JWKS).
	Issuer string

	// AllowHTTP accepts a plain http URL (and redirects to one). Anyone on
	// the path could then substitute their own keys and sign any token: set
	// it only for tests and local development.
	//
	// Optional. Default: false (https only).
	AllowHTTP bool

	// Client makes the requests. Its CheckRedirect is replaced by one that
	// refuses redirects to plain http (unless AllowHTTP) and stops after 5
	// redirects; the rest (transport, root CAs, proxy) is used as is.
	//
	// Optional. Default: a client with http.DefaultTransport.
	Client *http.Client

	// Timeout bounds one fetch: connecting, the response and its body.
	//
	// Optional. Default: 10 * time.Second.
	Timeout time.Duration

	// RSAAlgorithm is the algorithm assumed for RSA keys whose JWK has no
	// alg member: "RS256", "RS384", "RS512", "PS256", "PS384" or "PS512".
	// EC keys without alg take the one their curve implies (ES256, ES384,
	// ES512) and Ed25519 keys EdDSA; an RSA key does not imply one.
	//
	// Optional. Default: "" (RSA keys without alg are skipped).
	RSAAlgorithm string

	// RSAAlgorithms are more algorithms that an RSA key without alg
	// verifies besides RSAAlgorithm (or, without it, the first of them is
	// assumed as it would be): an identity provider that signs with one
	// key both RS256 and PS256 tokens, say. A token naming any of them in
	// its alg header is verified with the key its kid names.
	//
	// Optional. Default: nil.
	RSAAlgorithms []string

	// Refresh is how often the keys are fetched again when the response
	// carries no Cache-Control max-age; a max-age is followed instead. Both
	// are kept within [MinRefresh, MaxRefresh].
	//
	// Optional. Default: 5 * time.Minute.
	Refresh time.Duration

	// MinRefresh is the shortest time between two fetches, whatever the
	// max-age says and however many tokens name an unknown kid. It is also
	// the wait before a failed fetch is retried.
	//
	// Optional. Default: time.Minute.
	MinRefresh time.Duration

	// MaxRefresh is the longest time between two fetches, whatever the
	// max-age says.
	//
	// Optional. Default: 15 * time.Minute. Less than MaxStale.
	MaxRefresh time.Duration

	// MaxStale is how long after the last successful fetch the keys are
	// still used while the endpoint fails. Beyond it every token is refused
	// with ErrKeysUnavailable (503 by the default Config.Unauthorized) until
	// a fetch succeeds.
	//
	// Optional. Default: time.Hour.
	MaxStale time.Duration

	// UnknownKidWait is how long a request whose token names an unknown kid
	// may wait for the fetch it asks for, when that fetch may run at once
	// (MinRefresh has passed since the last one); otherwise it is refused
	// at once. A wait lets the first tokens of a key the issuer just added
	// through, at the cost of holding their requests: as fetches run at
	// most once per MinRefresh, a flood of random kids waits at most once
	// per MinRefresh, and never longer than UnknownKidWait.
	//
	// Optional. Default: 0 (never wait).
	UnknownKidWait time.Duration

	// StartEmpty lets NewRemoteKeySet return a set without keys when the
	// first fetch fails: tokens are then refused with ErrKeysUnavailable
	// until a fetch succeeds, retried every MinRefresh.
	//
	// Optional. Default: false (NewRemoteKeySet returns the error).
	StartEmpty bool

	// OwnTokens marks the set as fiberjwt's own keys, published by another
	// instance's KeySet.JWKS: its tokens' usr, sid, csrf and auth_time
	// claims are then trusted as this package's own. Without it every
	// token the set verifies is another issuer's, whatever claims it
	// carries: its user comes from Config.UserFromClaims, which New then
	// requires, so that an identity provider whose tokens happen to carry
	// a usr claim cannot make its users whoever they write there.
	//
	// Optional. Default: false (another issuer's tokens).
	OwnTokens bool

	// OnError is called, from the refresh goroutine, with every failed
	// fetch and with every key of a fetched set that is skipped and why.
	// It must not block. Use it to log.
	//
	// Optional. Default: nil (errors are not reported).
	OnError func(err error)
}

// NewRemoteKeySet returns a verify-only KeySet, for Config.Keys, holding
// the public keys published at cfg.URL, and starts a goroutine that keeps
// them fresh until ctx is done. It fetches the keys once before it returns;
// when that fails it returns an error wrapping ErrKeysUnavailable, unless
// cfg.StartEmpty is set. An invalid cfg gives an error wrapping ErrConfig.
//
// Each JWK is pinned to one algorithm: its alg, else the one its curve
// implies (EC, Ed25519), else cfg.RSAAlgorithm for RSA keys; a key with none
// is skipped. So are keys without kid, symmetric (oct) keys, keys whose use
// is not "sig" or whose key_ops lack "verify", RSA keys under 2048 bits, EC
// points not on their curve, and keys of other types. A fetch that yields
// no usable key at all fails, and the keys in force stay.
//
// Tokens must name a key by kid. A token naming an unknown kid asks the
// goroutine for a fetch, which runs at most once per cfg.MinRefresh, and is
// refused (ErrInvalidToken) at once, or, with cfg.UnknownKidWait, after
// waiting up to that long for a fetch that may run at once: a new key of
// the issuer is picked up, and random kids cost no more than one fetch per
// MinRefresh. A fetch that no longer lists a kid refuses its
// tokens at once. While fetches fail, the last keys fetched stay in force
// for cfg.MaxStale, after which every token is refused with
// ErrKeysUnavailable until a fetch succeeds.
//
// Rotate and Retire return an error wrapping ErrConfig: the issuer rotates
// its keys. JWKS republishes the keys fetched.
func NewRemoteKeySet(ctx context.Context, cfg RemoteKeys) (*KeySet, error) {
	return wrap(core.NewRemoteKeySet(ctx, core.RemoteKeys(cfg)))
}
