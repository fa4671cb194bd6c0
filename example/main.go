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
//
// On a loopback address (127.0.0.0/8, ::1, localhost) the demo serves plain
// http to a browser on the same machine, so its token cookie is "token"
// without the Secure attribute. On any other address it is meant to sit
// behind an HTTPS proxy: the cookie is "__Host-token", Secure, and browsers
// send it over HTTPS only.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io"
	"log"
	"net"
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

// readBufferSize bounds the request line and headers of one request
// (fiber.Config.ReadBufferSize). Fiber's default, 4096 bytes, is less than a
// browser sends with a full token cookie: browsers keep up to 4096 bytes per
// cookie, and the other headers of a navigation add 1 to 2 KB, so such a
// request would be refused with 431. 16 KiB (Node.js's default limit too)
// holds a 4 KB token cookie and the site's other cookies, a Referer at
// Chromium's 4096-byte cap, a 2 KB URL and the usual headers, with room to
// spare. fasthttp keeps one buffer of this size per open connection.
const readBufferSize = 16 << 10

// newApp builds the demo site. Tests drive it with app.Test, or serve it on
// listen's listener as main does. With secure, the token cookie is
// "__Host-token" and Secure, for a site served over HTTPS; without, it is
// "token" and not Secure, for plain http on loopback.
func newApp(secret []byte, ttl time.Duration, secure bool) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: readBufferSize})
	cookieName := "__Host-token" // host-only, Path=/ and Secure: checked by New
	if !secure {
		// Plain http on loopback: a Secure cookie would not be sent back,
		// and the __Host- prefix requires Secure.
		cookieName = "token"
	}
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    secret,
		Authenticate: authenticate,
		Expiration:   ttl,
		CookieName:   cookieName,
		// Never set InsecureCookie behind a public address.
		InsecureCookie: !secure,
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
		switch _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); {
		case errors.Is(err, fiberjwt.ErrCSRF): // posted by a form on another site
			c.Status(fiber.StatusForbidden)
			return render(c, pageData{Title: "Welcome", Message: "This sign-in came from another site: sign in on this page."})
		case errors.Is(err, fiberjwt.ErrStorage): // the previous session could not be revoked
			c.Status(fiber.StatusServiceUnavailable)
			return render(c, pageData{Title: "Welcome", Message: "Signing in is not possible right now: try again later."})
		case err != nil:
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

// isLoopback reports whether the host of addr (host:port) is a loopback
// address: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or localhost. An empty
// host (":3000") means every interface, so it is not.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listen opens addr for the demo's server. The connections it accepts close
// with a lingering close (see lingerConn), so that a client still sending
// a request the server refused, such as one whose headers are over
// readBufferSize, reads the answer instead of a reset connection.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return lingerListener{ln}, nil
}

// lingerListener hands out its TCP connections as *lingerConn.
type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		return &lingerConn{TCPConn: tc}, nil
	}
	return c, err
}

// Bounds of a lingering close: how long, and how much, it reads and
// discards of what the client still sends after the last response.
const (
	lingerTimeout  = time.Second
	lingerMaxBytes = 256 << 10
)

// lingerConn is a TCP connection whose Close does a lingering close, as
// RFC 9112 section 9.6 describes and net/http does (closeWriteAndWait).
//
// fasthttp answers a request whose headers do not fit its read buffer with
// 431 and "Connection: close", then closes the connection while the client
// may still be sending the rest of the request. Closing a socket with
// unread data makes the kernel send a TCP reset: the client's write fails
// ("connection reset by peer", "broken pipe"), and clients such as Go's
// net/http then report that error and never read the 431, which a reset
// may even erase from the client's receive buffer (RFC 9112 says so; Linux
// keeps it).
//
// Close instead shuts down the write side (the client sees the response,
// then end of file), then in the background reads and discards what the
// client still sends until it closes its side, for at most lingerTimeout
// and lingerMaxBytes, and only then closes the socket. A client that has
// finished sending closes at once, so the linger usually ends in a round
// trip. It runs in the background because fasthttp calls Close from its
// worker and, in Shutdown, for idle connections while it holds a lock.
type lingerConn struct {
	*net.TCPConn
	once sync.Once
}

// Close starts the lingering close and returns. It is safe to call more
// than once and from several goroutines (fasthttp's Shutdown and the
// connection's worker can both close an idle connection): only the first
// call does anything.
func (c *lingerConn) Close() error {
	var err error
	c.once.Do(func() {
		if err = c.TCPConn.CloseWrite(); err != nil {
			// Already reset or closed: nothing to linger for.
			err = c.TCPConn.Close()
			return
		}
		go c.drainAndClose()
	})
	return err
}

func (c *lingerConn) drainAndClose() {
	// The timer, not a read deadline, bounds the wait: fasthttp sets and
	// clears read deadlines on the connection itself, and after Shutdown
	// closes an idle connection its worker may still be reading.
	t := time.AfterFunc(lingerTimeout, func() { c.TCPConn.Close() })
	defer t.Stop()
	// EOF, an error or the timer: each ends the linger.
	io.Copy(io.Discard, io.LimitReader(c.TCPConn, lingerMaxBytes))
	c.TCPConn.Close()
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
	secure := !isLoopback(addr)
	app := newApp(secret, ttl, secure)
	ln, err := listen(addr)
	if err != nil {
		log.Fatal(err)
	}
	if secure {
		log.Printf("fiberjwt demo listening on %s (users: alice/wonderland, bob/builder)", ln.Addr())
		log.Print("cookies are Secure (__Host-token): serve this site over HTTPS, through a TLS-terminating proxy; browsers do not send them over plain http")
	} else {
		log.Printf("fiberjwt demo on http://%s (users: alice/wonderland, bob/builder)", ln.Addr())
	}
	log.Fatal(app.Listener(ln))
}
