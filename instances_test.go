package fiberjwt_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// stackedApp is an app with two instances: the site's on every route
// (cookie "token"), and an admin instance under /admin with its own key,
// cookie ("admin") and revocation store. Both keep the default ContextKey.
type stackedApp struct {
	*harness              // the site: logins on /login, its store siteStore
	siteStore, adminStore *recordingStorage
}

// seen is what a handler under /admin finds of the request's user.
type seen struct {
	CurrentUser bool
	LocalsUser  bool
	CSRF        string
	Expiry      bool
	LogoutErr   string
}

func adminPublic(c *fiber.Ctx) bool {
	switch c.Path() {
	case "/admin/login", "/admin/public", "/admin/logout":
		return true
	}
	return false
}

func newStackedApp(t *testing.T) *stackedApp {
	s := &stackedApp{siteStore: newRecordingStorage(), adminStore: newRecordingStorage()}
	s.harness = newHarness(t, withStorage(s.siteStore), func(cfg *fiberjwt.Config[User]) {
		site := cfg.Next
		cfg.Next = func(c *fiber.Ctx) bool { return site(c) || adminPublic(c) }
	})
	s.app.Use("/admin", fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:  otherSecret,
		CookieName: "admin",
		Storage:    s.adminStore,
		Next:       adminPublic,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) {
			return lookup(id, pw)
		},
	}))
	report := func(c *fiber.Ctx, logout bool) error {
		var r seen
		_, r.CurrentUser = fiberjwt.CurrentUser[User](c)
		r.LocalsUser = c.Locals("user") != nil
		r.CSRF = fiberjwt.CSRFToken(c)
		_, r.Expiry = fiberjwt.Expiry(c)
		if logout {
			if err := fiberjwt.Logout(c); err != nil {
				r.LogoutErr = err.Error()
			}
		}
		return c.JSON(r)
	}
	s.app.Get("/admin/public", func(c *fiber.Ctx) error { return report(c, false) })
	s.app.Post("/admin/login", func(c *fiber.Ctx) error {
		if _, err := fiberjwt.ProcessLogin(c, c.FormValue("id"), c.FormValue("pw")); err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString(err.Error())
		}
		return c.SendString("admin signed in")
	})
	s.app.Post("/admin/logout", func(c *fiber.Ctx) error { return report(c, true) })
	return s
}

// go test -run Test_Instances_Stacked -race
func Test_Instances_Stacked(t *testing.T) {
	t.Parallel()
	s := newStackedApp(t)
	site := s.signIn(t, "alice", "wonderland")

	// A public admin page with the site's session only: the admin instance
	// sees nobody, and none of the site's session.
	resp, body := s.send(t, fiber.MethodGet, "/admin/public", s.with(site))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	var got seen
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, seen{}, got, "what the admin instance shows of the site's session")

	// Logout there (with the site's CSRF value, as the site's page script
	// would send it) is the admin instance's: nothing of the site's is
	// cleared or revoked.
	resp, body = s.send(t, fiber.MethodPost, "/admin/logout", s.with(site))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, seen{}, got, "the admin logout")
	utils.AssertEqual(t, 0, len(resp.Header.Values(fiber.HeaderSetCookie)), "cookies set by the admin logout")
	utils.AssertEqual(t, 0, s.adminStore.writes(), "revocations written to the admin store")
	utils.AssertEqual(t, 0, s.siteStore.writes(), "revocations written to the site store")
	resp, body = s.send(t, fiber.MethodGet, "/protected", s.with(site))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the site session after the admin logout: "+body)

	// An admin login over the site's session leaves the site's session
	// alone; then the admin instance sees its own user.
	form := url.Values{"id": {"bob"}, "pw": {"builder"}}
	req := httptest.NewRequest(fiber.MethodPost, "/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	req.Header.Set(fiber.HeaderCookie, s.with(site))
	resp, body = s.do(t, req)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	admin := onlyCookie(t, resp, "admin").Value
	adminCSRF := onlyCookie(t, resp, "csrf_admin").Value
	utils.AssertEqual(t, 0, s.siteStore.writes(), "revocations written to the site store by the admin login")
	resp, body = s.send(t, fiber.MethodGet, "/protected", s.with(site))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the site session after the admin login: "+body)

	resp, body = s.send(t, fiber.MethodGet, "/admin/public", "token="+site+"; admin="+admin)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, seen{CurrentUser: true, LocalsUser: true, CSRF: adminCSRF, Expiry: true}, got, "the admin session")
}
