package fiberjwt_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/log"
)

// hintUser is the user of Test_Hint_LoginBehindMiddleware.
type hintUser struct{ ID string }

// Test_Hint_LoginBehindMiddleware: a login route left behind the
// middleware answers a bare 401, so Fiber's log gets a hint: at New when
// Next is nil on an instance that signs users in, and once, on the first
// POST refused for want of a token, naming its path. A GET refused, and
// the refusals after the first, log nothing. (Not parallel: Fiber's log
// output is global.)
//
//	go test -run Test_Hint_LoginBehindMiddleware .
func Test_Hint_LoginBehindMiddleware(t *testing.T) {
	var out bytes.Buffer
	log.SetOutput(&out)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	key := bytes.Repeat([]byte("k"), 64)
	authenticate := func(_ *fiber.Ctx, id, _ string) (hintUser, error) { return hintUser{ID: id}, nil }

	fiberjwt.New(fiberjwt.Config[hintUser]{SecretKey: key, Authenticate: authenticate})
	if !strings.Contains(out.String(), "Config.Next is nil") {
		t.Fatalf("New with Authenticate and no Next logged %q, want the hint", out.String())
	}
	out.Reset()
	fiberjwt.New(fiberjwt.Config[hintUser]{SecretKey: key, Authenticate: authenticate, Next: func(*fiber.Ctx) bool { return false }})
	if out.Len() != 0 {
		t.Fatalf("New with a Next logged %q", out.String())
	}

	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[hintUser]{
		SecretKey: key, Authenticate: authenticate,
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/" }, // forgets /signin
	}))
	app.Post("/signin", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw"))
		return err
	})
	app.Get("/protected", func(c *fiber.Ctx) error { return nil })
	send := func(method, path string) {
		t.Helper()
		resp, err := app.Test(httptest.NewRequest(method, path, nil), -1)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s %s: %v, %v; want 401", method, path, resp, err)
		}
	}
	send(http.MethodGet, "/protected")
	if out.Len() != 0 {
		t.Fatalf("a GET refused logged %q", out.String())
	}
	send(http.MethodPost, "/signin")
	send(http.MethodPost, "/signin")
	send(http.MethodPost, "/other")
	if got := out.String(); strings.Count(got, "fiberjwt:") != 1 || !strings.Contains(got, `refused POST "/signin"`) || !strings.Contains(got, "Config.Next") {
		t.Fatalf("three POSTs refused logged %q; want one hint naming /signin and Config.Next", got)
	}
}
