// Command example is the fiberjwt demo site: a public home page with a login
// form, a protected page, a JSON API with a state-changing endpoint called
// from JavaScript with the CSRF header, and logout.
//
//	go run ./example
//
// It listens on $ADDR (default 127.0.0.1:3000) and signs tokens with
// $SECRET_KEY (at least 64 bytes); without it a random key is generated and
// every session ends when the process stops. $SESSION_TTL (a Go duration,
// default 24h) sets the token lifetime; the session slides forward while it
// is used. Demo users: alice/wonderland and bob/builder.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
)

// User is what the token carries: never the password.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type account struct {
	password string
	user     User
}

// accounts is the demo's user database. A real site stores password hashes
// (bcrypt, argon2id), never the passwords.
var accounts = map[string]account{
	"alice": {password: "wonderland", user: User{ID: "alice", Name: "Alice"}},
	"bob":   {password: "builder", user: User{ID: "bob", Name: "Bob"}},
}

var errWrongPassword = errors.New("wrong id or password")

func authenticate(_ *fiber.Ctx, id, pw string) (User, error) {
	a, ok := accounts[id]
	if !ok || subtle.ConstantTimeCompare([]byte(a.password), []byte(pw)) != 1 {
		return User{}, errWrongPassword
	}
	return a.user, nil
}

//go:embed web
var web embed.FS

var page = template.Must(template.ParseFS(web, "web/page.html"))

type pageData struct {
	Title     string
	Message   string
	User      *User
	Protected bool
	CSRF      string    // for the hidden field of forms that change state
	Expires   time.Time // when the session ends unless it is used
}

func render(c *fiber.Ctx, d pageData) error {
	c.Type("html", "utf-8")
	return page.Execute(c.Response().BodyWriter(), d)
}

// clicks counts the clicks of each user: the state that /api/clicks changes.
type clicks struct {
	mu sync.Mutex
	n  map[string]int
}

func (k *clicks) add(id string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n[id]++
	return k.n[id]
}

// newApp builds the demo site. Tests drive it with app.Test.
func newApp(secret []byte, ttl time.Duration) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    secret,
		Authenticate: authenticate,
		Expiration:   ttl,
		// The demo serves plain http on loopback, so the cookie cannot be
		// Secure. Never set this behind a public address.
		InsecureCookie: true,
		Next: func(c *fiber.Ctx) bool {
			p := c.Path()
			return p == "/" || p == "/login" || strings.HasPrefix(p, "/static/")
		},
		Unauthorized: func(c *fiber.Ctx, err error) error {
			c.Set(fiber.HeaderCacheControl, "no-store")
			status, code, msg := fiber.StatusUnauthorized, "unauthorized", "Please sign in to see this page."
			if errors.Is(err, fiberjwt.ErrCSRF) {
				status, code, msg = fiber.StatusForbidden, "forbidden", "This request did not come from this site's own page."
			}
			c.Status(status)
			if strings.HasPrefix(c.Path(), "/api/") {
				return c.JSON(fiber.Map{"error": code})
			}
			return render(c, pageData{Title: "Sign in required", Message: msg})
		},
	}))

	for _, name := range []string{"style.css", "app.js"} {
		body, err := web.ReadFile("web/" + name)
		if err != nil {
			panic(err)
		}
		app.Get("/static/"+name, func(c *fiber.Ctx) error {
			c.Type(name[strings.LastIndexByte(name, '.')+1:], "utf-8")
			c.Set(fiber.HeaderCacheControl, "public, max-age=300")
			return c.Send(body)
		})
	}
	app.Get("/", func(c *fiber.Ctx) error {
		d := pageData{Title: "Welcome", CSRF: fiberjwt.CSRFToken(c)}
		if u, ok := fiberjwt.CurrentUser[User](c); ok {
			d.User = &u
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, d)
	})
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			c.Status(fiber.StatusUnauthorized)
			return render(c, pageData{Title: "Welcome", Message: "Wrong id or password."})
		}
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		u := c.Locals("user").(User)
		expires, _ := fiberjwt.Expiry(c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, pageData{Title: "Your account", User: &u, Protected: true, CSRF: fiberjwt.CSRFToken(c), Expires: expires})
	})
	app.Get("/api/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(u)
	})
	counts := &clicks{n: map[string]int{}}
	app.Post("/api/clicks", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(fiber.Map{"clicks": counts.add(u.ID)})
	})
	// /logout is protected: the middleware has checked the CSRF field.
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil { // ErrStorage
			c.Status(fiber.StatusServiceUnavailable)
			return render(c, pageData{Title: "Signed out on this browser only",
				Message: "Your cookies are cleared, but the session could not be revoked: try again later."})
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	return app
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	var ttl time.Duration
	if s := os.Getenv("SESSION_TTL"); s != "" {
		var err error
		if ttl, err = time.ParseDuration(s); err != nil {
			log.Fatalf("SESSION_TTL=%q: %v (use a Go duration such as 30m)", s, err)
		}
	}
	secret := []byte(os.Getenv("SECRET_KEY"))
	if len(secret) == 0 {
		secret = make([]byte, 64)
		if _, err := rand.Read(secret); err != nil {
			log.Fatal(err)
		}
		log.Print("warning: SECRET_KEY is not set; using a random key, so every session ends when the server stops")
	}
	app := newApp(secret, ttl)
	log.Printf("fiberjwt demo on http://%s (users: alice/wonderland, bob/builder)", addr)
	log.Fatal(app.Listen(addr))
}
