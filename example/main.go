// Command example is the fiberjwt demo site: a public home page with a login
// form, a protected page, a JSON endpoint and logout.
//
//	go run ./example
//
// It listens on $ADDR (default 127.0.0.1:3000) and signs tokens with
// $SECRET_KEY; without it a random key is generated and every session ends
// when the process stops. Demo users: alice/wonderland and bob/builder.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"html/template"
	"log"
	"os"
	"strings"

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

// newApp builds the demo site. Tests drive it with app.Test.
func newApp(secret []byte) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    secret,
		Authenticate: authenticate,
		// The demo serves plain http on loopback, so the cookie cannot be
		// Secure. Never set this behind a public address.
		InsecureCookie: true,
		Next: func(c *fiber.Ctx) bool {
			switch c.Path() {
			case "/", "/login", "/logout":
				return true
			}
			return false
		},
		Unauthorized: func(c *fiber.Ctx, err error) error {
			c.Set(fiber.HeaderCacheControl, "no-store")
			c.Status(fiber.StatusUnauthorized)
			if strings.HasPrefix(c.Path(), "/api/") {
				return c.JSON(fiber.Map{"error": "unauthorized"})
			}
			return render(c, pageData{Title: "Sign in required", Message: "Please sign in to see this page."})
		},
	}))

	app.Get("/", func(c *fiber.Ctx) error {
		u, ok := fiberjwt.CurrentUser[User](c)
		d := pageData{Title: "fiberjwt demo"}
		if ok {
			d.User = &u
		}
		return render(c, d)
	})
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			c.Status(fiber.StatusUnauthorized)
			return render(c, pageData{Title: "fiberjwt demo", Message: "Wrong id or password."})
		}
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		u := c.Locals("user").(User)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, pageData{Title: "Protected page", User: &u, Protected: true})
	})
	app.Get("/api/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(u)
	})
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil {
			return err
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	return app
}

type pageData struct {
	Title     string
	Message   string
	User      *User
	Protected bool
}

func render(c *fiber.Ctx, d pageData) error {
	c.Type("html", "utf-8")
	return page.Execute(c.Response().BodyWriter(), d)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
 body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; color: #222; margin: 0; }
 main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem 2.5rem; border-radius: 10px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
 h1 { font-size: 1.4rem; margin-top: 0; }
 label { display: block; margin: .8rem 0 .2rem; font-weight: 600; }
 input { width: 100%; box-sizing: border-box; padding: .5rem; border: 1px solid #bbb; border-radius: 6px; font: inherit; }
 button { margin-top: 1.2rem; padding: .5rem 1.2rem; border: 0; border-radius: 6px; background: #2f6fde; color: #fff; font: inherit; cursor: pointer; }
 .msg { background: #fdecea; color: #8a1c12; padding: .6rem .8rem; border-radius: 6px; }
 .hint { color: #666; font-size: .9rem; }
 a { color: #2f6fde; }
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{with .Message}}<p class="msg" role="alert">{{.}}</p>{{end}}
{{if .User}}
  {{if .Protected}}<p>Protected Page. name: <strong>{{.User.Name}}</strong></p>
  {{else}}<p>Welcome back, <strong>{{.User.Name}}</strong>. <a href="/protected">Go to the protected page</a>.</p>{{end}}
  <p class="hint">Your identity as JSON: <a href="/api/me">/api/me</a></p>
  <form method="post" action="/logout"><button type="submit">Log out</button></form>
{{else}}
  <form method="post" action="/login">
    <label for="id">User id</label><input id="id" name="id" autocomplete="username" required>
    <label for="pw">Password</label><input id="pw" name="pw" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
  <p class="hint">Demo users: alice / wonderland, bob / builder.</p>
{{end}}
</main>
</body>
</html>
`))

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	secret := []byte(os.Getenv("SECRET_KEY"))
	if len(secret) == 0 {
		secret = make([]byte, 64)
		if _, err := rand.Read(secret); err != nil {
			log.Fatal(err)
		}
		log.Print("warning: SECRET_KEY is not set; using a random key, so every session ends when the server stops")
	}
	app := newApp(secret)
	log.Printf("fiberjwt demo on http://%s (users: alice/wonderland, bob/builder)", addr)
	log.Fatal(app.Listen(addr))
}
