// Package suite is oidclogin's behaviour over HTTP, written once and run
// by both adapters' tests (Test_OIDC_*) against a real OpenID Provider
// (internal/oidctest: panva's oidc-provider on loopback). Each adapter
// supplies a Serve function that builds a small site with fiberjwt and
// oidclogin from Options and serves it on the listener it is given.
//
// The site, as every Serve builds it: the fiberjwt middleware with
// InsecureCookie (plain http on loopback), "/" and Prefix+"/" public;
// oidclogin mounted with the Options' providers; GET /me (protected)
// answers the user's ID and name as "ID|Name"; POST /logout logs out.
// Config.User makes the user's ID "NAME:SUB" (the provider's name and the
// ID token's subject) and refuses the login "mallory" with an error.
package suite

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/oidctest"
)

// Provider is one provider of the site under test.
type Provider struct {
	Name, Issuer, ClientID, ClientSecret string
}

// Options say how to build the site.
type Options struct {
	BaseURL   string
	Providers []Provider
	StateKey  []byte
	// Now, when set, is the clock of oidclogin and fiberjwt.
	Now func() time.Time
}

// Serve builds the site of Options and serves it on ln until the test
// ends.
type Serve func(t *testing.T, ln net.Listener, o Options)

// Refused is the login that the sites' Config.User refuses.
const Refused = "mallory"

// SecretKey is fiberjwt's key in the sites (HS512, 64 bytes).
var SecretKey = []byte("oidclogin-suite-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")

// site is a running site and its provider.
type site struct {
	t    *testing.T
	base string
	prov *oidctest.Provider
}

const (
	clientID     = "app"
	clientSecret = "app-secret-app-secret-app-secret"
	otherID      = "other"
	otherSecret  = "other-secret-other-secret-other"
)

// start starts a provider with the clients "app" and "other" (both may
// redirect to the site's "test" callback) and the site, whose provider
// "test" is the client "app" unless edit changes the Options.
func start(t *testing.T, serve Serve, edit func(*Options)) *site {
	t.Helper()
	ln, err := newListener()
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	callback := base + "/auth/test/callback"
	prov := oidctest.Start(t,
		oidctest.Client{ID: clientID, Secret: clientSecret, RedirectURIs: []string{callback, base + "/auth/second/callback"}},
		oidctest.Client{ID: otherID, Secret: otherSecret, RedirectURIs: []string{callback}},
	)
	o := Options{
		BaseURL:   base,
		Providers: []Provider{{Name: "test", Issuer: prov.Issuer, ClientID: clientID, ClientSecret: clientSecret}},
	}
	if edit != nil {
		edit(&o)
	}
	serve(t, ln, o)
	return &site{t: t, base: base, prov: prov}
}

// browser is a client with its own cookie jar that does not follow
// redirects, so that each step can be checked.
type browser struct {
	t   *testing.T
	s   *site
	jar *cookiejar.Jar
	hc  *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, s: s, jar: jar, hc: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type answer struct {
	status   int
	location string
	body     string
	cookies  []*http.Cookie
}

func (b *browser) do(method, target string, header http.Header) answer {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.s.base + target
	}
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Location"), string(body), resp.Cookies()}
}

func (b *browser) get(target string) answer { b.t.Helper(); return b.do(http.MethodGet, target, nil) }

// navigate is a GET as a browser sends it for a top-level navigation that
// another site (the provider) started, as the callback comes.
func (b *browser) navigate(target string) answer {
	b.t.Helper()
	return b.do(http.MethodGet, target, http.Header{
		"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"},
	})
}

// begin follows the site's sign-in link and returns the provider's
// authorization URL it redirects to.
func (b *browser) begin(path string) string {
	b.t.Helper()
	a := b.get(path)
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, b.s.prov.Issuer+"/") {
		b.t.Fatalf("GET %s = %d to %q (%s), want 303 to the provider %s", path, a.status, a.location, a.body, b.s.prov.Issuer)
	}
	return a.location
}

// signIn begins at path and signs in at the provider as login; it returns
// the callback URL the provider sends the browser to, not yet requested.
func (b *browser) signIn(path, login string) string {
	b.t.Helper()
	return b.s.prov.SignIn(b.t, b.hc, b.begin(path), login).String()
}

// me returns GET /me's body, and whether the browser is signed in.
func (b *browser) me() (string, bool) {
	b.t.Helper()
	a := b.get("/me")
	switch a.status {
	case http.StatusOK:
		return a.body, true
	case http.StatusUnauthorized:
		return "", false
	}
	b.t.Fatalf("GET /me = %d: %s", a.status, a.body)
	return "", false
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.s.base)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// refused checks that a callback's answer is an error with the status and
// that the browser is not signed in.
func (b *browser) refused(a answer, status int, what string) {
	b.t.Helper()
	if a.status != status {
		b.t.Errorf("%s: status %d (%s), want %d", what, a.status, a.body, status)
	}
	for _, c := range a.cookies {
		if c.Name == "token" && c.Value != "" {
			b.t.Errorf("%s: the answer sets a token cookie", what)
		}
	}
	if me, ok := b.me(); ok {
		b.t.Errorf("%s: the browser is signed in as %q", what, me)
	}
}

func newListener() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
