// Command example is the fiberjwt demo site for Fiber v2: a public home
// page with a login form, a protected page, a JSON API with a
// state-changing endpoint called from JavaScript with the CSRF header, and
// logout.
//
//	go run ./example
//
// It listens on $ADDR (default 127.0.0.1:3000) and signs tokens with
// $SECRET_KEY (at least 64 bytes); without it a random key is generated and
// every session ends when the process stops. $SESSION_TTL (a Go duration,
// default 24h) sets the token lifetime; the session slides forward while it
// is used. Demo users: alice/wonderland and bob/builder.
//
// On a loopback address (127.0.0.0/8, ::1, localhost) the demo serves plain
// http to a browser on the same machine, so its token cookie is "token"
// without the Secure attribute. On any other address it is meant to sit
// behind an HTTPS proxy: the cookie is "__Host-token", Secure, and browsers
// send it over HTTPS only.
//
// fiberv3/example is the same site on Fiber v3; both pass the conformance
// suite of internal/conformance. What they share besides the routes is in
// internal/demo.
package main

import (
	"net"
	"strings"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/internal/demo"
	"github.com/gofiber/fiber/v2"
)

func render(c *fiber.Ctx, d demo.PageData) error {
	c.Type("html", "utf-8")
	return demo.Render(c.Response().BodyWriter(), d)
}

// newApp builds the demo site. Tests drive it with app.Test, or serve it on
// a listener as main does.
func newApp(o demo.Options) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: demo.ReadBufferSize})
	app.Use(fiberjwt.New(fiberjwt.Config[demo.User]{
		SecretKey:    o.Secret,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (demo.User, error) { return demo.Authenticate(id, pw) },
		Expiration:   o.TTL,
		CookieName:   o.CookieName(),
		// Never set InsecureCookie behind a public address.
		InsecureCookie: !o.Secure,
		TimeFunc:       o.Now,
		Next:           func(c *fiber.Ctx) bool { return demo.IsPublic(c.Path()) },
		Unauthorized: func(c *fiber.Ctx, err error) error {
			status, code, msg := demo.Refusal(err)
			c.Set(fiber.HeaderCacheControl, "no-store")
			c.Status(status)
			if strings.HasPrefix(c.Path(), "/api/") {
				return c.JSON(fiber.Map{"error": code})
			}
			return render(c, demo.PageData{Title: "Sign in required", Message: msg})
		},
	}))

	for _, f := range demo.StaticFiles() {
		app.Get("/static/"+f.Name, func(c *fiber.Ctx) error {
			c.Type(f.Ext, "utf-8")
			c.Set(fiber.HeaderCacheControl, "public, max-age=300")
			return c.Send(f.Body)
		})
	}
	app.Get("/", func(c *fiber.Ctx) error {
		d := demo.PageData{Title: "Welcome", CSRF: fiberjwt.CSRFToken(c)}
		if u, ok := fiberjwt.CurrentUser[demo.User](c); ok {
			d.User = &u
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, d)
	})
	app.Post("/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			status, msg := demo.LoginRefusal(err)
			c.Status(status)
			return render(c, demo.PageData{Title: "Welcome", Message: msg})
		}
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	app.Get("/protected", func(c *fiber.Ctx) error {
		u := c.Locals("user").(demo.User)
		expires, _ := fiberjwt.Expiry(c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, demo.PageData{Title: "Your account", User: &u, Protected: true, CSRF: fiberjwt.CSRFToken(c), Expires: expires})
	})
	app.Get("/api/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[demo.User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(u)
	})
	var clicks demo.Clicks
	app.Post("/api/clicks", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[demo.User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(fiber.Map{"clicks": clicks.Add(u.ID)})
	})
	// /logout is protected: the middleware has checked the CSRF field.
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil { // ErrStorage
			c.Status(fiber.StatusServiceUnavailable)
			return render(c, demo.LogoutFailed)
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	return app
}

func main() {
	demo.Main(func(o demo.Options, ln net.Listener) error { return newApp(o).Listener(ln) })
}
