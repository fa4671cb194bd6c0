package oidclogin

import (
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/oidclogin/internal/flow"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"
)

// Provider is one OpenID Provider the app signs users in with.
type Provider struct {
	// Name names the provider in the app's routes (Prefix+"/"+Name starts
	// a sign-in, Prefix+"/"+Name+"/callback" is the redirect URI to
	// register with the provider) and in its cookie: 1 to 32 lowercase
	// letters, digits, "-" or "_", such as "google".
	//
	// Required.
	Name string

	// Issuer is the provider's issuer URL, exactly as its discovery
	// document (Issuer+"/.well-known/openid-configuration") names it:
	// https://accounts.google.com, https://login.microsoftonline.com/TENANT/v2.0,
	// https://KEYCLOAK/realms/REALM. Discovery runs on the first sign-in,
	// not at start-up, and again after a failure.
	//
	// Required.
	Issuer string

	// ClientID and ClientSecret are the credentials the provider gave the
	// app when it was registered. The ID token's audience must be ClientID.
	//
	// ClientID is required; ClientSecret is required by most providers
	// (client_secret_basic or client_secret_post is chosen automatically).
	ClientID, ClientSecret string

	// Scopes are the scopes asked for; "openid" is added when missing.
	//
	// Optional. Default: openid, email, profile.
	Scopes []string

	// AuthParams are extra parameters of the authorization request, such
	// as {"prompt": "select_account"} or {"hd": "example.com"} (Google).
	// The flow's own parameters (state, nonce, PKCE, redirect_uri ...)
	// cannot be set here.
	//
	// Optional.
	AuthParams map[string]string
}

// Identity is what the provider's verified ID token says about the user.
// Config.User maps it to the app's user.
type Identity struct {
	// Provider is the Name of the Provider that signed the user in.
	Provider string

	// Issuer and Subject identify the user: Subject is unique and stable
	// within one Issuer only, so key accounts by both.
	Issuer, Subject string

	// Email, EmailVerified and Name are the standard claims when the
	// provider sent them (the email and profile scopes). Trust Email to
	// identify an account only when EmailVerified is true, and only from
	// providers that own the domain.
	Email         string
	EmailVerified bool
	Name          string

	// IDToken is the verified ID token: IDToken.Claims(&v) decodes any
	// other claim.
	IDToken *oidc.IDToken

	// Token holds the provider's access token (and refresh token, if
	// any), to call its APIs on the user's behalf.
	Token *oauth2.Token
}

// Config configures the sign-in routes Mount adds.
type Config[U any] struct {
	// BaseURL is the site's external URL, as the browser sees it, such as
	// https://app.example.com: the callbacks are
	// BaseURL+Prefix+"/"+Provider.Name+"/callback". Plain http only with
	// InsecureCookie.
	//
	// Required.
	BaseURL string

	// Prefix is the path under which the routes go. The routes must be
	// public: make fiberjwt's Config.Next return true under Prefix+"/",
	// or the middleware answers them 401 before a sign-in can begin.
	//
	// Optional. Default: "/auth".
	Prefix string

	// Providers are the OpenID Providers offered. A link to
	// Prefix+"/"+Name starts a sign-in; it takes two optional query
	// parameters: next, the local path to go to once signed in (anything
	// but a path on this site is ignored), and remember ("on", as an HTML
	// checkbox sends it, or "1" or "true"), which makes fiberjwt's session
	// outlive the browser (fiberjwt.LoginOptions.Remember).
	//
	// Required: at least one.
	Providers []Provider

	// User maps a verified identity to the app's user, finding or
	// creating the account: key it by Issuer and Subject. An error refuses
	// the sign-in (ErrUser, 403 by default) and no session starts.
	//
	// Required.
	User func(c *fiber.Ctx, id Identity) (U, error)

	// AfterLogin is where a sign-in without a next parameter goes.
	//
	// Optional. Default: "/".
	AfterLogin string

	// StateKey encrypts and authenticates the short-lived cookie that
	// binds a sign-in to the browser that began it (state, nonce and PKCE
	// verifier): at least 32 random bytes. Give every instance of the app
	// the same key, or a callback that reaches another instance than the
	// one that began the sign-in fails (ErrFlow).
	//
	// Optional. Default: a random key per process.
	StateKey []byte

	// InsecureCookie drops the Secure attribute and the __Host- prefix of
	// the sign-in cookie ("oidc_NAME" instead of "__Host-oidc_NAME"), and
	// allows http in BaseURL and Issuer: for local development over plain
	// http only.
	//
	// Optional. Default: false.
	InsecureCookie bool

	// FlowTimeout is how long a sign-in may take, from the button to the
	// callback.
	//
	// Optional. Default: 10 minutes.
	FlowTimeout time.Duration

	// HTTPClient makes the requests to the providers (discovery, keys,
	// token endpoint): set it for a proxy or a private CA.
	//
	// Optional. Default: an http.Client with a 10 s timeout.
	HTTPClient *http.Client

	// OnError answers a sign-in that failed: err wraps one of this
	// package's errors (or of fiberjwt.LoginUser's), and no session was
	// started. Use Status(err) for the HTTP status; log err, which can
	// name the configuration to fix.
	//
	// Optional. Default: the status Status(err) gives, with a short text.
	OnError func(c *fiber.Ctx, err error) error

	// Now tells the time, for ID token expiry and the flow's age.
	//
	// Optional. Default: time.Now.
	Now func() time.Time
}

// Mount adds to r, for each provider, the route that begins a sign-in
// (GET Prefix/NAME) and the callback (GET Prefix/NAME/callback), and
// returns the callback URLs to register with the providers, by name. r must
// be behind fiberjwt's middleware, with Prefix public (Config.Next), and
// fiberjwt's Config.Subject set: the callback signs the user in with
// fiberjwt.LoginUser.
//
// The callback answers one sign-in once: it clears the sign-in's cookie,
// checks the state in constant time and the flow's age, the iss parameter
// when present (RFC 9207), exchanges the code with the PKCE (S256)
// verifier, verifies the ID token's signature, issuer, audience (ClientID)
// and expiry, and its nonce, calls Config.User, signs the user in and
// redirects (303) to the local path the sign-in began with. Any failure
// goes to Config.OnError without a session.
//
// Mount panics with an error wrapping ErrConfig that says what to fix when
// cfg is invalid, as fiberjwt.New does.
func Mount[U any](r fiber.Router, cfg Config[U]) map[string]string {
	if cfg.User == nil {
		panic(fmt.Errorf("%w: Config.User is required: it maps a verified identity to the app's user", ErrConfig))
	}
	s := flow.Settings{
		BaseURL:        cfg.BaseURL,
		Prefix:         cfg.Prefix,
		AfterLogin:     cfg.AfterLogin,
		StateKey:       cfg.StateKey,
		InsecureCookie: cfg.InsecureCookie,
		FlowTimeout:    cfg.FlowTimeout,
		HTTPClient:     cfg.HTTPClient,
		Now:            cfg.Now,
	}
	for _, p := range cfg.Providers {
		s.Providers = append(s.Providers, flow.Provider(p))
	}
	f, err := flow.New(s)
	if err != nil {
		panic(err)
	}
	onError := cfg.OnError
	if onError == nil {
		onError = func(c *fiber.Ctx, err error) error {
			return c.Status(Status(err)).SendString(flow.Message(err))
		}
	}
	urls := make(map[string]string)
	for _, name := range f.Names() {
		urls[name] = f.RedirectURL(name)
		r.Get(f.Prefix()+"/"+name, func(c *fiber.Ctx) error {
			ret := flow.Return{Next: c.Query("next"), Remember: flow.Checked(c.Query("remember"))}
			if err := f.Begin(c.UserContext(), c.Context(), name, ret); err != nil {
				return onError(c, err)
			}
			return nil
		})
		r.Get(f.Prefix()+"/"+name+"/callback", func(c *fiber.Ctx) error {
			id, ret, err := f.Finish(c.UserContext(), c.Context(), name)
			if err != nil {
				return onError(c, err)
			}
			user, err := cfg.User(c, Identity(id))
			if err != nil {
				return onError(c, flow.Refused(err))
			}
			if _, err := fiberjwt.LoginUser(c, user, fiberjwt.LoginOptions{Remember: ret.Remember}); err != nil {
				return onError(c, err)
			}
			return c.Redirect(ret.Next, fiber.StatusSeeOther)
		})
	}
	return urls
}

// Status returns the HTTP status that answers a failed sign-in by default:
// 400 for ErrFlow, 401 for ErrDenied and ErrRejected, 403 for ErrUser and
// fiberjwt.ErrCSRF, 502 for ErrProvider, 503 for ErrUnavailable and
// fiberjwt.ErrStorage, 500 for anything else (a bug: fiberjwt.ErrConfig or
// ErrNotMounted).
func Status(err error) int { return flow.Status(err) }
