package flow

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt/internal/oidctest"
	"github.com/valyala/fasthttp"
)

// Test_OIDC_IDTokenForAnotherClient: an ID token whose audience is another
// client of the same provider is refused (ErrRejected), even though its
// signature and issuer are right. A real provider hands such a token only
// to that other client, so the test makes this Flow exchange its code with
// the other client's credentials while verifying for its own; the same
// Flow unchanged signs in, so the refusal is the audience's.
//
//	go test -run Test_OIDC_IDTokenForAnotherClient ./internal/flow
func Test_OIDC_IDTokenForAnotherClient(t *testing.T) {
	const base = "http://127.0.0.1:9"
	callback := base + "/auth/test/callback"
	prov := oidctest.Start(t,
		oidctest.Client{ID: "app", Secret: "app-secret-app-secret-app-secret", RedirectURIs: []string{callback}},
		oidctest.Client{ID: "other", Secret: "other-secret-other-secret-other", RedirectURIs: []string{callback}},
	)
	f, err := New(Settings{BaseURL: base, InsecureCookie: true, Providers: []Provider{{
		Name: "test", Issuer: prov.Issuer, ClientID: "app", ClientSecret: "app-secret-app-secret-app-secret",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func() error {
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar}
		var begin fasthttp.RequestCtx
		if err := f.Begin(context.Background(), &begin, "test", Return{}); err != nil {
			t.Fatal(err)
		}
		auth := string(begin.Response.Header.Peek("Location"))
		cookie := begin.Response.Header.PeekCookie("oidc_test")
		back := prov.SignIn(t, hc, auth, "alice")
		if !strings.HasPrefix(back.String(), callback+"?") {
			t.Fatalf("the provider sent the browser to %s", back)
		}
		var c fasthttp.Cookie
		if err := c.ParseBytes(cookie); err != nil {
			t.Fatal(err)
		}
		var finish fasthttp.RequestCtx
		finish.Request.SetRequestURI(back.RequestURI())
		finish.Request.Header.SetCookieBytesKV(c.Key(), c.Value())
		id, _, err := f.Finish(context.Background(), &finish, "test")
		if err == nil && id.Subject != "alice" {
			t.Fatalf("signed in as %q, want alice", id.Subject)
		}
		return err
	}
	if err := signIn(); err != nil {
		t.Fatalf("the unchanged Flow: %v", err)
	}
	p := f.providers["test"]
	other := *p.oauth
	other.ClientID, other.ClientSecret = "other", "other-secret-other-secret-other"
	p.oauth = &other
	err = signIn()
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "audience") {
		t.Fatalf("an ID token for another client: %v; want ErrRejected for its audience", err)
	}
}
