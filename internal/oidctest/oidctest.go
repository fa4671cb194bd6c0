// Package oidctest starts a real OpenID Provider on loopback for the tests
// of this repository's modules (oidclogin, integration): panva's
// oidc-provider from npm, an OpenID Certified implementation that nobody
// here wrote, run by Node from testdata/provider. It is for tests only.
//
// It needs node and npm on PATH. Without them a test skips, or fails when
// $CI is set. The npm packages (pinned in testdata/provider's
// package-lock.json) are installed by `npm ci` on first use when
// node_modules is missing; CI installs them beforehand.
package oidctest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt/internal/syncbuf"
)

// startTimeout bounds how long the provider may take to listen.
const startTimeout = 30 * time.Second

// Client is a client registered with the provider.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
	// IDTokenAlg is the algorithm of its ID tokens
	// (id_token_signed_response_alg): "" for the provider's RS256, or
	// "Ed25519".
	IDTokenAlg string
}

// Provider is a running oidc-provider owned by one test.
type Provider struct {
	// Issuer is the provider's issuer URL, http://127.0.0.1:PORT.
	Issuer string

	cmd  *exec.Cmd
	done chan struct{}
	out  *syncbuf.Buffer
	once sync.Once
}

var install struct {
	once sync.Once
	err  error
}

// dir is testdata/provider beside this file.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "provider")
}

func need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		msg := fmt.Sprintf("%s is not on PATH: install Node.js (Debian: apt-get install nodejs npm) to run the tests against a real OpenID Provider", tool)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI is set, so this is a failure: %v", msg, err)
		}
		t.Skipf("%s: %v", msg, err)
	}
}

// Start starts oidc-provider on a free loopback port with the clients
// registered and waits until it listens. The provider is killed when the
// test ends.
func Start(t testing.TB, clients ...Client) *Provider {
	t.Helper()
	need(t, "node")
	d := dir()
	if _, err := os.Stat(filepath.Join(d, "node_modules", "oidc-provider")); err != nil {
		need(t, "npm")
		install.once.Do(func() {
			cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
			cmd.Dir = d
			if out, err := cmd.CombinedOutput(); err != nil {
				install.err = fmt.Errorf("npm ci in %s: %v\n%s", d, err, out)
			}
		})
		if install.err != nil {
			t.Fatal(install.err)
		}
	}
	type clientJSON struct {
		ID            string   `json:"client_id"`
		Secret        string   `json:"client_secret"`
		RedirectURIs  []string `json:"redirect_uris"`
		GrantTypes    []string `json:"grant_types"`
		ResponseTypes []string `json:"response_types"`
		IDTokenAlg    string   `json:"id_token_signed_response_alg,omitempty"`
	}
	var list []clientJSON
	for _, c := range clients {
		list = append(list, clientJSON{c.ID, c.Secret, c.RedirectURIs, []string{"authorization_code"}, []string{"code"}, c.IDTokenAlg})
	}
	js, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{out: &syncbuf.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command("node", "provider.mjs")
	p.cmd.Dir = d
	p.cmd.Env = append(os.Environ(), "OIDC_CLIENTS="+string(js), "OIDC_PORT=0")
	p.cmd.Stderr = p.out
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting oidc-provider: %v", err)
	}
	issuer := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ready struct{ Issuer string }
			if json.Unmarshal(sc.Bytes(), &ready) == nil && ready.Issuer != "" {
				select {
				case issuer <- ready.Issuer:
				default:
				}
				continue
			}
			p.out.Write(append(sc.Bytes(), '\n'))
		}
		p.cmd.Wait()
	}()
	t.Cleanup(p.Stop)
	select {
	case p.Issuer = <-issuer:
	case <-p.done:
		t.Fatalf("oidc-provider exited before listening:\n%s", p.out.String())
	case <-time.After(startTimeout):
		t.Fatalf("oidc-provider did not listen within %s:\n%s", startTimeout, p.out.String())
	}
	return p
}

// Stop kills the provider and waits until it exited: after it, the
// provider's port refuses connections. It is safe to call more than once.
func (p *Provider) Stop() {
	p.once.Do(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
}

// Logs returns what the provider wrote to stderr so far.
func (p *Provider) Logs() string { return p.out.String() }

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	hiddenIn   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
	cancelLink = regexp.MustCompile(`<a href="([^"]+)">\[ Cancel \]</a>`)
)

// SignIn does by HTTP what a person does in the provider's pages: starting
// from authURL (the provider's authorization URL, with the app's
// parameters), it follows the redirects to the login page, submits login
// with a password (the development login page takes any), and follows the
// provider's redirects until one leaves the provider. It returns that URL,
// the app's callback, without requesting it. hc needs a cookie jar (the
// provider's session cookies); its CheckRedirect is not used.
func (p *Provider) SignIn(t testing.TB, hc *http.Client, authURL, login string) *url.URL {
	t.Helper()
	return p.drive(t, hc, authURL, login)
}

// Cancel is SignIn where the person presses the login page's "Cancel"
// link instead: the provider sends the browser back with
// error=access_denied.
func (p *Provider) Cancel(t testing.TB, hc *http.Client, authURL string) *url.URL {
	t.Helper()
	return p.drive(t, hc, authURL, "")
}

func (p *Provider) drive(t testing.TB, hc *http.Client, authURL, login string) *url.URL {
	t.Helper()
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	next, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("authorization URL %q: %v", authURL, err)
	}
	var form url.Values
	for step := 0; step < 10; step++ {
		if !strings.HasPrefix(next.String(), p.Issuer+"/") {
			return next
		}
		var resp *http.Response
		if form != nil {
			resp, err = c.PostForm(next.String(), form)
			form = nil
		} else {
			resp, err = c.Get(next.String())
		}
		if err != nil {
			t.Fatalf("provider: %v\n%s", err, p.Logs())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatalf("provider redirect: %v", err)
			}
			next = loc
		case resp.StatusCode == http.StatusOK && login == "" && cancelLink.Match(body):
			loc, err := resp.Request.URL.Parse(html.UnescapeString(string(cancelLink.FindSubmatch(body)[1])))
			if err != nil {
				t.Fatal(err)
			}
			next = loc
		case resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte(`name="login"`)):
			m := formAction.FindSubmatch(body)
			if m == nil {
				t.Fatalf("the provider's login page has no form:\n%s", body)
			}
			action, err := resp.Request.URL.Parse(html.UnescapeString(string(m[1])))
			if err != nil {
				t.Fatal(err)
			}
			form = url.Values{"login": {login}, "password": {"any-password"}}
			for _, h := range hiddenIn.FindAllSubmatch(body, -1) {
				form.Set(html.UnescapeString(string(h[1])), html.UnescapeString(string(h[2])))
			}
			next = action
		default:
			t.Fatalf("provider answered %s at %s:\n%s\n%s", resp.Status, next, body, p.Logs())
		}
	}
	t.Fatalf("the provider did not send the browser back to the app within 10 steps (last: %s)", next)
	return nil
}
