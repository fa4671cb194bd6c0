// Command example is the fiberjwt demo site for Fiber v2: a public home
// page with a login form ("remember me" included), a sign-up form that
// signs the new user in at once, a protected page with the session's
// details, "sign out other devices" and a password change, a JSON API with
// a state-changing endpoint called from JavaScript with the CSRF header,
// and logout. Wrong passwords are throttled (429 with Retry-After), and
// every sign-in event goes to an audit log (log/slog).
//
//	go run ./example
//
// It listens on $ADDR (default 127.0.0.1:3000) and signs tokens with
// $SECRET_KEY (at least 64 bytes); without it a random key is generated and
// every session ends when the process stops. $SESSION_TTL (a Go duration,
// default 24h) sets the token lifetime; the session slides forward while it
// is used. Demo users: alice/wonderland and bob/builder; the accounts,
// those signed up included, live in memory until the process stops.
//
// On a loopback address (127.0.0.0/8, ::1, localhost) the demo serves plain
// http to a browser on the same machine, so its token cookie is "token"
// without the Secure attribute. On any other address it is meant to sit
// behind an HTTPS proxy: the cookie is "__Host-token", Secure, and browsers
// send it over HTTPS only.
//
// fiberv3/example is the same site on Fiber v3 (on its own default port,
// so that both run side by side); both pass the conformance suite of
// internal/conformance. This directory is the whole program, on public
// packages only: copy it. Its files: main.go (the routes), site.go (the
// page, the settings, the answers to refused requests, the audit log),
// users.go (the accounts), session.go, listen.go (a listener that answers
// oversized requests cleanly) and web/.
package main

import (
	"net"
	"strings"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
)

func render(c *fiber.Ctx, d PageData) error {
	c.Type("html", "utf-8")
	return Render(c.Response().BodyWriter(), d)
}

// newApp builds the demo site. Tests drive it with app.Test, or serve it on
// a listener as main does.
func newApp(o Options) *fiber.App {
	users := NewUsers()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: ReadBufferSize})
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    o.Secret,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) { return users.Authenticate(id, pw) },
		// The sub claim, by which SignOutOtherDevices finds the user's
		// sessions: the id, which never changes.
		Subject:    func(u User) string { return u.ID },
		Expiration: o.TTL,
		CookieName: o.CookieName(),
		// Never set InsecureCookie behind a public address.
		InsecureCookie: !o.Secure,
		TimeFunc:       o.Now,
		Next:           func(c *fiber.Ctx) bool { return IsPublic(c.Path()) },
		OnEvent: func(_ *fiber.Ctx, e fiberjwt.Event) {
			LogEvent(o.Log, e.Kind.String(), e.Subject, e.IP, e.Err)
		},
		Unauthorized: func(c *fiber.Ctx, err error) error {
			status, code, msg := Refusal(err)
			c.Set(fiber.HeaderCacheControl, "no-store")
			c.Status(status)
			if strings.HasPrefix(c.Path(), "/api/") {
				return c.JSON(fiber.Map{"error": code})
			}
			return render(c, PageData{Title: "Sign in required", Message: msg})
		},
	}))

	for _, f := range StaticFiles() {
		app.Get("/static/"+f.Name, func(c *fiber.Ctx) error {
			c.Type(f.Ext, "utf-8")
			c.Set(fiber.HeaderCacheControl, "public, max-age=300")
			return c.Send(f.Body)
		})
	}
	app.Get("/", func(c *fiber.Ctx) error {
		d := PageData{Title: "Welcome", CSRF: fiberjwt.CSRFToken(c)}
		if u, ok := fiberjwt.CurrentUser[User](c); ok {
			d.User = &u
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, d)
	})
	app.Post("/login", func(c *fiber.Ctx) error {
		remember := c.FormValue("remember") != "" // the "remember me" box
		if _, err := fiberjwt.ProcessLoginWith(c, c.FormValue("id"), c.FormValue("pw"), fiberjwt.LoginOptions{Remember: remember}); err != nil {
			// ErrThrottled answers 429, with the Retry-After header that
			// ProcessLogin set.
			status, msg := LoginRefusal(err, c.GetRespHeader(fiber.HeaderRetryAfter))
			c.Status(status)
			return render(c, PageData{Title: "Welcome", Message: msg})
		}
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	app.Get("/signup", func(c *fiber.Ctx) error {
		d := PageData{Title: "Create an account", SignUp: true}
		if u, ok := fiberjwt.CurrentUser[User](c); ok {
			d.User = &u
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, d)
	})
	app.Post("/signup", func(c *fiber.Ctx) error {
		id, name := c.FormValue("id"), c.FormValue("name")
		u, err := users.Create(id, name, c.FormValue("pw"))
		if err == nil {
			// The new user is signed in at once: LoginUser signs a user
			// the app trusts, without a password.
			if _, err = fiberjwt.LoginUser(c, u, fiberjwt.LoginOptions{Remember: c.FormValue("remember") != ""}); err != nil {
				users.Delete(u.ID) // a sign-up from another site (ErrCSRF) leaves no account
			}
		}
		if err != nil {
			status, msg := SignUpRefusal(err)
			c.Status(status)
			c.Set(fiber.HeaderCacheControl, "no-store")
			return render(c, PageData{Title: "Create an account", SignUp: true, Message: msg, Form: Form{ID: id, Name: name}})
		}
		LogEvent(o.Log, "signup", u.ID, c.IP(), nil)
		return c.Redirect("/protected", fiber.StatusSeeOther)
	})
	// protected answers with the protected page of the request's user.
	protected := func(c *fiber.Ctx, notice, msg string) error {
		u := c.Locals("user").(User)
		sess, _ := fiberjwt.CurrentSession(c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return render(c, PageData{Title: "Your account", User: &u, Protected: true, Notice: notice, Message: msg,
			CSRF: fiberjwt.CSRFToken(c), Session: SessionOf(sess.LoginTime, sess.Expires, sess.Remembered, o.Clock())})
	}
	app.Get("/protected", func(c *fiber.Ctx) error {
		return protected(c, Notice(c.Query("done")), "")
	})
	// The routes below are protected: the middleware has checked the CSRF
	// field of their forms.
	app.Post("/signout-others", func(c *fiber.Ctx) error {
		if err := fiberjwt.SignOutOtherDevices(c); err != nil { // ErrStorage
			c.Status(fiber.StatusServiceUnavailable)
			return protected(c, "", SignOutFailed)
		}
		return c.Redirect("/protected?done=others", fiber.StatusSeeOther)
	})
	app.Post("/password", func(c *fiber.Ctx) error {
		u := c.Locals("user").(User)
		sess, _ := fiberjwt.CurrentSession(c)
		remembered := sess.Remembered
		newPW := c.FormValue("new_pw")
		err := CheckPassword(newPW)
		if err == nil {
			// The current password is checked as a login is, throttled
			// alike, and the browser gets a new session.
			_, err = fiberjwt.ProcessLoginWith(c, u.ID, c.FormValue("pw"), fiberjwt.LoginOptions{Remember: remembered})
		}
		if err == nil {
			err = users.SetPassword(u.ID, newPW)
		}
		if err != nil {
			status, msg := PasswordRefusal(err, c.GetRespHeader(fiber.HeaderRetryAfter))
			c.Status(status)
			return protected(c, "", msg)
		}
		// Every other session of the user ends: whoever knew the old
		// password is signed out.
		if err := fiberjwt.SignOutOtherDevices(c); err != nil { // ErrStorage
			c.Status(fiber.StatusServiceUnavailable)
			return protected(c, "", PasswordChangedSignOutFailed)
		}
		return c.Redirect("/protected?done=password", fiber.StatusSeeOther)
	})
	app.Get("/api/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(u)
	})
	var clicks Clicks
	app.Post("/api/clicks", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[User](c)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(fiber.Map{"clicks": clicks.Add(u.ID)})
	})
	app.Post("/logout", func(c *fiber.Ctx) error {
		if err := fiberjwt.Logout(c); err != nil { // ErrStorage
			c.Status(fiber.StatusServiceUnavailable)
			return render(c, LogoutFailed)
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	})
	return app
}

func main() {
	Main(func(o Options, ln net.Listener) error { return newApp(o).Listener(ln) })
}
