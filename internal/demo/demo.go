// Package demo is what the Fiber v2 and v3 demos (example/ and
// fiberv3/example/) share besides their routes: the users, the page, the
// settings from the environment, the answers to refused requests, and a
// listener that answers oversized requests cleanly. It uses the standard
// library only.
package demo

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/core"
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

// ErrWrongPassword refuses a login.
var ErrWrongPassword = errors.New("wrong id or password")

// Authenticate checks an id and a password: Config.Authenticate without
// the request.
func Authenticate(id, pw string) (User, error) {
	a, ok := accounts[id]
	if !ok || subtle.ConstantTimeCompare([]byte(a.password), []byte(pw)) != 1 {
		return User{}, ErrWrongPassword
	}
	return a.user, nil
}

//go:embed web
var web embed.FS

var page = template.Must(template.ParseFS(web, "web/page.html"))

// PageData is what the page shows.
type PageData struct {
	Title     string
	Message   string
	User      *User
	Protected bool
	CSRF      string    // for the hidden field of forms that change state
	Expires   time.Time // when the session ends unless it is used
}

// Render writes the page (text/html; charset=utf-8) to w.
func Render(w io.Writer, d PageData) error { return page.Execute(w, d) }

// Static is a file served under /static/.
type Static struct {
	Name string // "style.css"
	Ext  string // "css", for the Content-Type
	Body []byte
}

// StaticFiles returns the files served under /static/.
func StaticFiles() []Static {
	var files []Static
	for _, name := range []string{"style.css", "app.js"} {
		body, err := fs.ReadFile(web, "web/"+name)
		if err != nil {
			panic(err)
		}
		files = append(files, Static{Name: name, Ext: strings.TrimPrefix(path.Ext(name), "."), Body: body})
	}
	return files
}

// Clicks counts the clicks of each user: the state that /api/clicks
// changes.
type Clicks struct {
	mu sync.Mutex
	n  map[string]int
}

// Add counts a click of the user id and returns the user's count.
func (k *Clicks) Add(id string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n == nil {
		k.n = map[string]int{}
	}
	k.n[id]++
	return k.n[id]
}

// ReadBufferSize bounds the request line and headers of one request
// (fiber.Config.ReadBufferSize). Fiber's default, 4096 bytes, is less than
// a browser sends with a full token cookie: browsers keep up to 4096 bytes
// per cookie, and the other headers of a navigation add 1 to 2 KB, so such
// a request would be refused with 431. 16 KiB (Node.js's default limit
// too) holds a 4 KB token cookie and the site's other cookies, a Referer
// at Chromium's 4096-byte cap, a 2 KB URL and the usual headers, with room
// to spare. fasthttp keeps one buffer of this size per open connection.
const ReadBufferSize = 16 << 10

// Options are a demo app's settings.
type Options struct {
	// Secret signs the tokens (HS512: at least 64 bytes).
	Secret []byte
	// TTL is Config.Expiration; 0 means its default.
	TTL time.Duration
	// Secure names the token cookie "__Host-token" and makes it Secure,
	// for a site served over HTTPS; otherwise it is "token", not Secure,
	// for plain http on loopback.
	Secure bool
	// Now is Config.TimeFunc; nil means time.Now.
	Now func() time.Time
}

// CookieName is the token cookie's name.
func (o Options) CookieName() string {
	if o.Secure {
		return "__Host-token" // host-only, Path=/ and Secure: checked by New
	}
	// Plain http on loopback: a Secure cookie would not be sent back, and
	// the __Host- prefix requires Secure.
	return "token"
}

// IsPublic reports whether the route at path is served signed out too
// (Config.Next).
func IsPublic(path string) bool {
	return path == "/" || path == "/login" || strings.HasPrefix(path, "/static/")
}

// Refusal is the demo's Config.Unauthorized, but for the writing: the
// status, the error code of the JSON answer under /api/, and the message
// of the page otherwise.
func Refusal(err error) (status int, code, message string) {
	if errors.Is(err, core.ErrCSRF) {
		return 403, "forbidden", "This request did not come from this site's own page."
	}
	return 401, "unauthorized", "Please sign in to see this page."
}

// LoginRefusal is the status and the message of the page that answers a
// refused login.
func LoginRefusal(err error) (status int, message string) {
	switch {
	case errors.Is(err, core.ErrCSRF): // posted by a form on another site
		return 403, "This sign-in came from another site: sign in on this page."
	case errors.Is(err, core.ErrStorage): // the previous session could not be revoked
		return 503, "Signing in is not possible right now: try again later."
	}
	return 401, "Wrong id or password."
}

// LogoutFailed is the page that answers a logout whose revocation failed.
var LogoutFailed = PageData{Title: "Signed out on this browser only",
	Message: "Your cookies are cleared, but the session could not be revoked: try again later."}

// Main runs a demo: it reads $ADDR (default 127.0.0.1:3000), $SECRET_KEY
// (a random key when unset) and $SESSION_TTL (a Go duration), listens, and
// hands the listener to serve with the options.
func Main(serve func(o Options, ln net.Listener) error) {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	var o Options
	if s := os.Getenv("SESSION_TTL"); s != "" {
		var err error
		if o.TTL, err = time.ParseDuration(s); err != nil {
			log.Fatalf("SESSION_TTL=%q: %v (use a Go duration such as 30m)", s, err)
		}
	}
	o.Secret = []byte(os.Getenv("SECRET_KEY"))
	if len(o.Secret) == 0 {
		o.Secret = make([]byte, 64)
		if _, err := rand.Read(o.Secret); err != nil {
			log.Fatal(err)
		}
		log.Print("warning: SECRET_KEY is not set; using a random key, so every session ends when the server stops")
	}
	o.Secure = !IsLoopback(addr)
	ln, err := Listen(addr)
	if err != nil {
		log.Fatal(err)
	}
	if o.Secure {
		log.Printf("fiberjwt demo listening on %s (users: alice/wonderland, bob/builder)", ln.Addr())
		log.Print("cookies are Secure (__Host-token): serve this site over HTTPS, through a TLS-terminating proxy; browsers do not send them over plain http")
	} else {
		log.Printf("fiberjwt demo on http://%s (users: alice/wonderland, bob/builder)", ln.Addr())
	}
	log.Fatal(serve(o, ln))
}

// IsLoopback reports whether the host of addr (host:port) is a loopback
// address: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or localhost. An
// empty host (":3000") means every interface, so it is not.
func IsLoopback(addr string) bool {
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
