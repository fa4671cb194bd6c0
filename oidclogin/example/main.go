// Command example is a Fiber v2 site whose users sign in with an OpenID
// Connect provider ("Sign in with …") and then stay signed in with
// fiberjwt's cookie session. Copy it: it uses public packages only.
//
//	OIDC_ISSUER=https://accounts.google.com OIDC_CLIENT_ID=... OIDC_CLIENT_SECRET=... go run ./example
//
// Environment:
//
//	ADDR                listen address (default 127.0.0.1:3002)
//	BASE_URL            the site's URL as the browser sees it (default http://ADDR);
//	                    register BASE_URL/auth/oidc/callback with the provider
//	OIDC_ISSUER         the provider's issuer URL; without it the home page
//	                    says how to configure one and shows no button
//	OIDC_CLIENT_ID      the client ID the provider gave this site
//	OIDC_CLIENT_SECRET  its secret
//	OIDC_LABEL          the button's provider name (default: the issuer's host)
//	SECRET_KEY          fiberjwt's signing key, at least 64 bytes (default:
//	                    random, so sessions end when the process stops)
//
// Over plain http on a loopback address (local development) the cookies
// lack the Secure attribute; anywhere else BASE_URL must be https.
package main

import (
	"crypto/rand"
	"errors"
	"html/template"
	"log"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/oidclogin"
	"github.com/gofiber/fiber/v2"
)

// User is the site's account: the provider's subject, scoped by issuer.
type User struct {
	ID    string // issuer + " " + subject: stable, unique
	Name  string
	Email string
}

// accounts keeps the users who signed in, in memory.
type accounts struct {
	mu    sync.Mutex
	users map[string]User
}

// signIn finds or creates the account of a verified identity.
func (a *accounts) signIn(id oidclogin.Identity) (User, error) {
	if id.Subject == "" {
		return User{}, errors.New("no subject")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	key := id.Issuer + " " + id.Subject
	u, ok := a.users[key]
	if !ok {
		u = User{ID: key}
	}
	// The provider's profile is the newest: keep it.
	u.Name, u.Email = id.Name, id.Email
	if u.Name == "" {
		u.Name = id.Subject
	}
	a.users[key] = u
	return u, nil
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in with OpenID Connect</title>
<script>
// A page restored by the back button after logout asks the server again.
addEventListener("pageshow", e => { if (e.persisted) location.reload(); });
</script></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
{{if .User}}
  <p id="greeting">Signed in as <b id="who">{{.User.Name}}</b>{{with .User.Email}} ({{.}}){{end}}.</p>
  <p id="session">Signed in on {{.Since}}; the session lasts until {{.Until}} ({{.Left}} left), <span id="remembered">{{if .Remembered}}remembered{{else}}until the browser closes{{end}}</span>.</p>
  <form method="post" action="/logout">
    <input type="hidden" name="csrf_token" value="{{.CSRF}}">
    <button id="logout" type="submit">Log out</button>
  </form>
{{else if .Label}}
  <p>Please sign in.</p>
  <form method="get" action="/auth/oidc">
    <input type="hidden" name="next" value="/me">
    <label><input id="remember" type="checkbox" name="remember"> Remember me</label>
    <button id="signin" type="submit">Sign in with {{.Label}}</button>
  </form>
{{else}}
  <p id="unconfigured">No provider configured. Register this site with an OpenID
  provider (redirect URI <code>{{.Callback}}</code>) and start it with
  OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET set.</p>
{{end}}
</body></html>`))

type pageData struct {
	User                  *User
	Label, Callback, CSRF string
	Since, Until, Left    string
	Remembered            bool
}

func main() {
	addr := env("ADDR", "127.0.0.1:3002")
	base := env("BASE_URL", "http://"+addr)
	app, err := newApp(base, os.Getenv("OIDC_ISSUER"), os.Getenv("OIDC_CLIENT_ID"), os.Getenv("OIDC_CLIENT_SECRET"), os.Getenv("OIDC_LABEL"), []byte(os.Getenv("SECRET_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", base)
	log.Fatal(app.Listen(addr))
}

func newApp(base, issuer, clientID, clientSecret, label string, key []byte) (*fiber.App, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, errors.New("BASE_URL must be a URL such as https://app.example.com")
	}
	// Plain http is for a browser on this machine only.
	insecure := u.Scheme == "http" && isLoopback(u.Hostname())
	if len(key) == 0 {
		key = make([]byte, 64)
		rand.Read(key)
	}
	users := &accounts{users: map[string]User{}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:      key,
		Subject:        func(u User) string { return u.ID },
		InsecureCookie: insecure,
		// The home page and the sign-in routes are public.
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/" || strings.HasPrefix(c.Path(), "/auth/") },
	}))
	callback := strings.TrimSuffix(base, "/") + "/auth/oidc/callback"
	if issuer != "" {
		if label == "" {
			if iu, err := url.Parse(issuer); err == nil {
				label = iu.Host
			}
		}
		oidclogin.Mount(app, oidclogin.Config[User]{
			BaseURL:        base,
			InsecureCookie: insecure,
			Providers:      []oidclogin.Provider{{Name: "oidc", Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret}},
			User:           func(_ *fiber.Ctx, id oidclogin.Identity) (User, error) { return users.signIn(id) },
			OnError: func(c *fiber.Ctx, err error) error {
				log.Printf("sign-in failed: %v", err)
				return c.Status(oidclogin.Status(err)).SendString("Sign-in failed; go back to the home page and try again.")
			},
		})
	}
	render := func(c *fiber.Ctx, d pageData) error {
		c.Type("html", "utf-8")
		c.Set(fiber.HeaderCacheControl, "no-store")
		return page.Execute(c.Response().BodyWriter(), d)
	}
	app.Get("/", func(c *fiber.Ctx) error {
		if _, ok := fiberjwt.CurrentUser[User](c); ok {
			return c.Redirect("/me", fiber.StatusSeeOther)
		}
		return render(c, pageData{Label: label, Callback: callback})
	})
	app.Get("/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		s, _ := fiberjwt.CurrentSession(c)
		return render(c, pageData{
			User:       &u,
			CSRF:       fiberjwt.CSRFToken(c),
			Since:      s.LoginTime.UTC().Format("Mon 2 Jan 2006 at 15:04 UTC"),
			Until:      s.Expires.UTC().Format("Mon 2 Jan 2006 at 15:04 UTC"),
			Left:       time.Until(s.Expires).Round(time.Minute).String(),
			Remembered: s.Remembered,
		})
	})
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil {
			return c.Status(fiber.StatusForbidden).SendString("Log out failed: " + err.Error())
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	return app, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
