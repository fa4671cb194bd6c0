package main

// What the demo needs besides its routes (main.go): the users' page, the
// settings from the environment, the answers to refused requests, the
// audit log. listen.go has the listener, users.go the accounts.

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	fiberjwt "github.com/fiberjwt/fiberjwt/fiberv3"
)

// User is what the token carries: never the password.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

//go:embed web
var web embed.FS

var page = template.Must(template.ParseFS(web, "web/page.html"))

// PageData is what the page shows.
type PageData struct {
	Title     string
	Message   string // an error
	Notice    string // a confirmation
	User      *User
	Protected bool    // the protected page: the session panel and the account forms
	SignUp    bool    // the sign-up form, in place of the login form
	Form      Form    // what a refused sign-up had typed
	CSRF      string  // for the hidden field of forms that change state
	Session   Session // the request's session, on the protected page
}

// Form is what a refused sign-up had typed, shown again: never the
// password.
type Form struct {
	ID, Name string
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
	// Log receives the audit log: the sign-in events (Config.OnEvent) and
	// the sign-ups; nil means none.
	Log *slog.Logger
}

// Clock returns the time by Now.
func (o Options) Clock() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
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
	return path == "/" || path == "/login" || path == "/signup" || strings.HasPrefix(path, "/static/")
}

// Refusal is the demo's Config.Unauthorized, but for the writing: the
// status, the error code of the JSON answer under /api/, and the message
// of the page otherwise.
func Refusal(err error) (status int, code, message string) {
	if errors.Is(err, fiberjwt.ErrCSRF) {
		return 403, "forbidden", "This request did not come from this site's own page."
	}
	return 401, "unauthorized", "Please sign in to see this page."
}

// LoginRefusal is the status and the message of the page that answers a
// refused login; retryAfter is the response's Retry-After header, which
// ProcessLogin sets when it throttles.
func LoginRefusal(err error, retryAfter string) (status int, message string) {
	switch {
	case errors.Is(err, fiberjwt.ErrThrottled): // too many wrong passwords lately
		return 429, "Too many failed sign-ins: try again in " + seconds(retryAfter) + "."
	case errors.Is(err, fiberjwt.ErrCSRF): // posted by a form on another site
		return 403, "This sign-in came from another site: sign in on this page."
	case errors.Is(err, fiberjwt.ErrStorage): // the previous session could not be revoked
		return 503, "Signing in is not possible right now: try again later."
	}
	return 401, "Wrong id or password."
}

// SignUpRefusal is the status and the message of the page that answers a
// refused sign-up: Users.Create's errors, or LoginUser's.
func SignUpRefusal(err error) (status int, message string) {
	switch {
	case errors.Is(err, ErrMissingField):
		return 400, "Please fill in every field."
	case errors.Is(err, ErrBadID):
		return 400, "The id may hold lower-case letters, digits, '.', '_' and '-', at most 32 of them."
	case errors.Is(err, ErrBadName):
		return 400, "The name may have at most 64 characters."
	case errors.Is(err, ErrWeakPassword):
		return 400, fmt.Sprintf("The password needs at least %d characters.", MinPassword)
	case errors.Is(err, ErrIDTaken):
		return 409, "This id is taken: choose another."
	case errors.Is(err, ErrFull):
		return 503, "No more accounts can be created on this demo."
	case errors.Is(err, fiberjwt.ErrCSRF): // posted by a form on another site
		return 403, "This sign-up came from another site: sign up on this page."
	case errors.Is(err, fiberjwt.ErrStorage):
		return 503, "Signing up is not possible right now: try again later."
	}
	return 500, "Signing you in failed."
}

// PasswordRefusal is the status and the message of the page that answers
// a refused password change; retryAfter is the response's Retry-After
// header.
func PasswordRefusal(err error, retryAfter string) (status int, message string) {
	switch {
	case errors.Is(err, ErrWeakPassword):
		return 400, fmt.Sprintf("The new password needs at least %d characters.", MinPassword)
	case errors.Is(err, fiberjwt.ErrThrottled):
		return 429, "Too many wrong passwords: try again in " + seconds(retryAfter) + "."
	case errors.Is(err, fiberjwt.ErrInvalidCredentials), errors.Is(err, ErrWrongPassword):
		return 403, "Your current password is wrong."
	case errors.Is(err, fiberjwt.ErrCSRF):
		return 403, "This request did not come from this site's own page."
	case errors.Is(err, fiberjwt.ErrStorage):
		return 503, "Changing the password is not possible right now: try again later."
	}
	return 500, "Changing the password failed."
}

// seconds words a Retry-After value in seconds.
func seconds(retryAfter string) string {
	if n, err := strconv.Atoi(retryAfter); err == nil && n > 0 {
		if n == 1 {
			return "1 second"
		}
		return strconv.Itoa(n) + " seconds"
	}
	return "a minute"
}

// SignOutFailed is the message of the page that answers a sign-out of the
// other devices that could not be stored; PasswordChangedSignOutFailed
// that of a password change whose sign-out failed.
const (
	SignOutFailed                = "Your other devices could not be signed out: try again later."
	PasswordChangedSignOutFailed = "Your password is changed, but your other devices could not be signed out: press Sign out other devices later."
)

// Notice returns the confirmation that the protected page shows after the
// redirect of a change, /protected?done=what; "" for anything else.
func Notice(what string) string {
	switch what {
	case "others":
		return "Your other devices are signed out."
	case "password":
		return "Your password is changed, and your other devices are signed out."
	}
	return ""
}

// LogEvent writes an audit event to l (nil: nowhere): what happened, the
// user (for a failed login, the id tried: untrusted text, which slog
// quotes) and the client's address, with the error of a refusal. It never
// logs a password or a token.
func LogEvent(l *slog.Logger, event, user, ip string, err error) {
	if l == nil {
		return
	}
	level, attrs := slog.LevelInfo, []any{"event", event, "user", user, "ip", ip}
	if err != nil {
		level, attrs = slog.LevelWarn, append(attrs, "err", err.Error())
	}
	l.Log(context.Background(), level, "auth", attrs...)
}

// LogoutFailed is the page that answers a logout whose revocation failed.
var LogoutFailed = PageData{Title: "Signed out on this browser only",
	Message: "Your cookies are cleared, but the session could not be revoked: try again later."}

// Main runs the demo: it reads $ADDR (default 127.0.0.1:3001), $SECRET_KEY
// (a random key when unset) and $SESSION_TTL (a Go duration), listens, and
// hands the listener to serve with the options.
func Main(serve func(o Options, ln net.Listener) error) {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:3001"
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
	o.Log = slog.Default()
	ln, err := Listen(addr)
	if err != nil {
		log.Fatal(err)
	}
	if o.Secure {
		log.Printf("fiberjwt demo (Fiber v3) listening on %s (users: alice/wonderland, bob/builder, or sign up at /signup)", ln.Addr())
		log.Print("cookies are Secure (__Host-token): serve this site over HTTPS, through a TLS-terminating proxy; browsers do not send them over plain http")
	} else {
		log.Printf("fiberjwt demo (Fiber v3) on http://%s (users: alice/wonderland, bob/builder, or sign up at /signup)", ln.Addr())
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
