package integration

// Helpers for the Browser tests: the demo site (../example) built once per
// test binary and started on a free loopback port for each test, and a
// headless Chromium with a fresh profile for each test, driven through
// chromedp.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/fiberjwt/fiberjwt/internal/syncbuf"
)

const (
	// browserTestTimeout bounds each Browser test: the browser, every action
	// and the demo's start-up share one context with this deadline.
	browserTestTimeout = 60 * time.Second

	// browserDemoStartTimeout bounds how long the demo may take to answer
	// HTTP after it started.
	browserDemoStartTimeout = 10 * time.Second

	// browserWaitTimeout bounds each wait for something in the page.
	browserWaitTimeout = 10 * time.Second

	// browserBFCacheReloadWait bounds how long a page restored from the
	// back/forward cache has to start loading itself anew.
	browserBFCacheReloadWait = 3 * time.Second

	// browserDemoSecret is the demo's SECRET_KEY: fixed, 64 bytes (HS512).
	browserDemoSecret = "browser-tests-fixed-secret-key-0123456789-abcdefghijklmnopqrstuv"

	// Demo user and the text its pages show.
	browserUser      = "alice"
	browserPassword  = "wonderland"
	browserUserName  = "Alice"
	browserGreeting  = "Protected Page. name"
	browserSignInMsg = "Please sign in"
)

// TestMain removes the demo binary that the Browser tests built, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	browserDemo.removeBuild()
	oidcDemo.removeBuild()
	os.Exit(code)
}

// browserDemo builds the demo (../example) once per test binary, on first
// use; oidcDemo the OpenID Connect demo (../oidclogin/example).
var (
	browserDemo = browserDemoBuild{module: ".."}
	oidcDemo    = browserDemoBuild{module: "../oidclogin"}
)

type browserDemoBuild struct {
	module string // the directory of the module whose ./example it builds
	once   sync.Once
	dir    string
	bin    string
	err    error
}

// binary returns the path of the built demo, building it on first call.
func (d *browserDemoBuild) binary(t *testing.T) string {
	t.Helper()
	d.once.Do(func() {
		d.dir, d.err = os.MkdirTemp("", "fiberjwt-browser-demo-")
		if d.err != nil {
			return
		}
		d.bin = filepath.Join(d.dir, "demo")
		// In the demo's own module, so that the build uses its go.mod (whose
		// replace directives point at this checkout's code).
		cmd := exec.Command("go", "build", "-o", d.bin, "./example")
		cmd.Dir = d.module
		if out, err := cmd.CombinedOutput(); err != nil {
			d.err = fmt.Errorf("go build ./example in %s: %v\n%s", d.module, err, out)
		}
	})
	if d.err != nil {
		t.Fatalf("building the demo: %v", d.err)
	}
	return d.bin
}

func (d *browserDemoBuild) removeBuild() {
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// browserPath returns the Chromium to drive: $CHROME_PATH, else
// /usr/bin/chromium. When there is none, it skips the test, or fails it
// when $CI is set (CI must not pass by skipping).
func browserPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROME_PATH")
	from := "CHROME_PATH"
	if path == "" {
		path, from = "/usr/bin/chromium", "the default path"
	}
	found, err := exec.LookPath(path)
	if err == nil {
		return found
	}
	msg := fmt.Sprintf("no Chromium at %s (%s): %v; install Debian's chromium (apt-get install chromium) or set CHROME_PATH", path, from, err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so this fails instead of skipping)")
	}
	t.Skip(msg)
	return ""
}

// startBrowserDemo starts the built demo on a free loopback port with a
// fixed SECRET_KEY and, when ttl is not empty, SESSION_TTL=ttl. It waits
// until the demo answers HTTP and stops it when the test ends. It returns
// the base URL, http://127.0.0.1:PORT.
func startBrowserDemo(ctx context.Context, t *testing.T, ttl string) string {
	t.Helper()
	bin := browserDemo.binary(t)
	env := []string{"SECRET_KEY=" + browserDemoSecret}
	if ttl != "" {
		env = append(env, "SESSION_TTL="+ttl)
	}
	var lastErr error
	// The port is free when picked but could be taken before the demo
	// binds it: try again with another one.
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		base, err := runBrowserDemo(ctx, t, bin, addr, env)
		if err == nil {
			return base
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	t.Fatalf("starting the demo: %v", lastErr)
	return ""
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// runBrowserDemo starts the demo binary on addr with the settings env
// ("NAME=value", which replace any of the same name in the environment)
// and waits until it answers GET / with 200.
func runBrowserDemo(ctx context.Context, t *testing.T, bin, addr string, env []string) (string, error) {
	env = append(env, "ADDR="+addr)
	out := &syncbuf.Buffer{}
	cmd := exec.Command(bin)
	// The demo's own settings replace any that the environment has.
	own := map[string]bool{}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		own[name] = true
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !own[name] {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cmd.Process.Kill() // by pid: this process only
		<-exited
	}

	base := "http://" + addr
	hc := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(browserDemoStartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := hc.Get(base + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			err = fmt.Errorf("GET / answered %s", resp.Status)
		}
		select {
		case <-exited:
			return "", fmt.Errorf("the demo exited before answering: %v\n%s", cmd.ProcessState, out)
		case <-deadline.C:
			stop()
			return "", fmt.Errorf("the demo did not answer within %v: %v\n%s", browserDemoStartTimeout, err, out)
		case <-ctx.Done():
			stop()
			return "", ctx.Err()
		case <-tick.C:
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("demo output:\n%s", out)
		}
	})
	return base, nil
}

// newBrowser starts a headless Chromium with a fresh profile for the test
// and returns the chromedp context of its tab and the test's context, which
// ends after browserTestTimeout. Both end, and the browser exits, when the
// test does.
func newBrowser(t *testing.T) (tab, test context.Context) {
	t.Helper()
	path := browserPath(t)
	profile := t.TempDir() // registered before the cleanup below, so removed after the browser exited

	test, cancelTest := context.WithTimeout(context.Background(), browserTestTimeout)
	out := &syncbuf.Buffer{}
	// The options are built from scratch, not from
	// chromedp.DefaultExecAllocatorOptions, so that Chromium gets exactly
	// these flags (chromedp adds --remote-debugging-pipe, and about:blank
	// as the first page). chromedp.Headless and chromedp.DisableGPU would
	// add flags of their own, so the flags are spelled out.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(out),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(test, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx,
		// chromedp's own complaints go with the browser's output, shown
		// when the test fails; t.Logf could be called after the test ended.
		chromedp.WithErrorf(func(format string, args ...any) { fmt.Fprintf(out, "chromedp: "+format+"\n", args...) }),
	)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits until Chromium has exited
		cancelTest()
		if t.Failed() {
			t.Logf("chromium output (without its D-Bus complaints):\n%s", withoutDBusNoise(out.String()))
		}
	})
	// The first action starts the browser and opens the tab.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting %s: %v\n%s", path, err, out)
	}
	return tab, test
}

// browserLogin signs in through the demo's form, as a person would: it
// opens the home page, types the id and the password, ticks "remember me"
// when remember is set, and presses the button. It returns the response
// of the page the form lands on.
func browserLogin(t *testing.T, ctx context.Context, base, id, pw string, remember bool) *network.Response {
	t.Helper()
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("id"), id),
		chromedp.SendKeys(chromedp.ID("pw"), pw),
	}
	if remember {
		actions = append(actions, chromedp.Click(chromedp.ID("remember")))
	}
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("filling in the login form: %v", err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)))
	if err != nil || resp == nil {
		t.Fatalf("submitting the login form: %v (response: %v)", err, resp != nil)
	}
	return resp
}

// browserMustLogin signs in as alice, "remember me" ticked, and checks
// that the form led to the protected page.
func browserMustLogin(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	resp := browserLogin(t, ctx, base, browserUser, browserPassword, true)
	if resp.Status != http.StatusOK || resp.URL != base+"/protected" {
		t.Fatalf("login landed on %s with status %d, want %s/protected with 200", resp.URL, resp.Status, base)
	}
}

// browserCookies returns the browser's cookies for base by name, read
// through the DevTools protocol (HttpOnly cookies included).
func browserCookies(t *testing.T, ctx context.Context, base string) map[string]*network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		t.Fatalf("Network.getCookies: %v", err)
	}
	m := make(map[string]*network.Cookie, len(res.Cookies))
	for _, c := range res.Cookies {
		m[c.Name] = c
	}
	return m
}

// browserEval evaluates a JavaScript expression in the page.
func browserEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// browserBody returns the visible text of the page.
func browserBody(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browserEval[string](t, ctx, `document.body ? document.body.innerText : ""`)
}

// browserLocation returns the URL of the page.
func browserLocation(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("reading the location: %v", err)
	}
	return loc
}

// browserDocumentStatus returns the HTTP status with which the page's
// document arrived, from the Navigation Timing entry of the page.
func browserDocumentStatus(t *testing.T, ctx context.Context) int {
	t.Helper()
	return browserEval[int](t, ctx, `(performance.getEntriesByType("navigation")[0] || {}).responseStatus || 0`)
}

// browserClick presses the button with the given id on the protected page
// and waits until the page's script shows the result of its call to
// /api/clicks. It returns the status the script saw and the text it showed.
func browserClick(t *testing.T, ctx context.Context, button string) (status, text string) {
	t.Helper()
	// Clear the previous result first, so that the wait below sees this
	// click's result.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const o = document.getElementById("clicks"); delete o.dataset.status; o.textContent = ""; })()`),
		chromedp.Click(chromedp.ID(button)),
	); err != nil {
		t.Fatalf("clicking #%s: %v", button, err)
	}
	status, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("clicks").dataset.status`,
		chromedp.WithPollingTimeout(browserWaitTimeout)))
	if err != nil {
		t.Fatalf("waiting for the result of #%s: %v", button, err)
	}
	return status, browserEval[string](t, ctx, `document.getElementById("clicks").textContent`)
}

// tabEvents records the events of a tab that the helpers wait for, in the
// order in which Chromium sent them: main-frame navigations, load events,
// document responses and the cookies of requests.
type tabEvents struct {
	t        *testing.T
	ctx      context.Context
	cancel   context.CancelFunc
	ch       chan any
	overflow chan struct{} // closed when an event had to be dropped
	once     sync.Once
}

func recordTabEvents(t *testing.T, ctx context.Context) *tabEvents {
	t.Helper()
	lctx, cancel := context.WithCancel(ctx)
	e := &tabEvents{t: t, ctx: ctx, cancel: cancel, ch: make(chan any, 1024), overflow: make(chan struct{})}
	if err := chromedp.Listen(lctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventFrameNavigated:
			if ev.Frame.ParentID != "" {
				return // an iframe's
			}
		case *network.EventResponseReceived:
			if ev.Type != network.ResourceTypeDocument {
				return
			}
		case *page.EventLoadEventFired, *network.EventRequestWillBeSentExtraInfo:
		default:
			return
		}
		select {
		case e.ch <- ev:
		default: // never block the tab's loop
			e.once.Do(func() { close(e.overflow) })
		}
	}); err != nil {
		cancel()
		t.Fatalf("listening to the tab: %v", err)
	}
	return e
}

func (e *tabEvents) stop() { e.cancel() }

// next returns the next event, or nil when none came before the deadline.
func (e *tabEvents) next(deadline time.Time) any {
	e.t.Helper()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case ev := <-e.ch:
		return ev
	case <-e.overflow:
		e.t.Fatal("too many tab events to record")
	case <-timer.C:
	case <-e.ctx.Done():
	}
	return nil
}

// nextNavigation returns the next main-frame navigation, or nil.
func (e *tabEvents) nextNavigation(deadline time.Time) *page.EventFrameNavigated {
	e.t.Helper()
	for {
		switch ev := e.next(deadline).(type) {
		case nil:
			return nil
		case *page.EventFrameNavigated:
			return ev
		}
	}
}

// browserFormPost loads attackerURL, a page that submits a form to
// targetURL as soon as it loads, and waits until the browser has loaded
// the response to that form's request. It returns the response's status
// and what the browser did with the token cookie on the request: whether
// it sent it, and why not.
func browserFormPost(t *testing.T, ctx context.Context, attackerURL, targetURL string) (status int64, tokenSent bool, blocked []network.CookieBlockedReason) {
	t.Helper()
	events := recordTabEvents(t, ctx)
	defer events.stop()
	// Page.navigate without waiting for the load: the page navigates away
	// by itself while it loads.
	nav, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: attackerURL})
	if err != nil || nav.ErrorText != "" {
		t.Fatalf("opening %s: %v %s", attackerURL, err, nav.ErrorText)
	}
	var (
		reqID     network.RequestID
		committed bool // the target's response became the page
		loaded    bool // and finished loading
		cookies   = map[network.RequestID][]*network.AssociatedCookie{}
	)
	deadline := time.Now().Add(browserWaitTimeout)
	for {
		if _, ok := cookies[reqID]; ok && loaded {
			break
		}
		switch ev := events.next(deadline).(type) {
		case nil:
			t.Fatalf("%s posting to %s: within %v, response: %v (status %d), loaded: %v, request cookies seen: %v",
				attackerURL, targetURL, browserWaitTimeout, reqID != "", status, loaded, cookies[reqID] != nil)
		case *network.EventResponseReceived:
			if ev.Response.URL == targetURL {
				status, reqID = ev.Response.Status, ev.RequestID
			}
		case *network.EventRequestWillBeSentExtraInfo:
			cookies[ev.RequestID] = ev.AssociatedCookies
		case *page.EventFrameNavigated:
			committed = ev.Frame.URL == targetURL
		case *page.EventLoadEventFired:
			loaded = committed
		}
	}
	for _, c := range cookies[reqID] {
		if c.Cookie != nil && c.Cookie.Name == "token" {
			tokenSent, blocked = len(c.BlockedReasons) == 0, c.BlockedReasons
		}
	}
	return status, tokenSent, blocked
}

// attackerServer serves pages that post a form to the demo as soon as they
// load, like a page of another site would: /clicks posts to /api/clicks,
// /logout to /logout, each with a made-up csrf_token field.
func attackerServer(t *testing.T, demoBase string) (port string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, p := range []string{"/clicks", "/logout"} {
		action := demoBase + p
		if p == "/clicks" {
			action = demoBase + "/api/clicks"
		}
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><title>You won a prize</title>
<form id="f" method="post" action="%s"><input type="hidden" name="csrf_token" value="guessed"></form>
<script>document.getElementById("f").submit();</script>`, action)
		})
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("attacker server: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	_, port, _ = net.SplitHostPort(l.Addr().String())
	return port
}

// browserGoBack goes one entry back in the tab's history, as the back
// button does, and waits until the page there has loaded. It reports
// whether Chromium restored the page from its back/forward cache (a copy
// kept in memory, not asked of the server) and, if so, whether the page
// then loaded itself anew (a pageshow handler that reloads a persisted
// page does that). chromedp.NavigateBack waits for a load event, which a
// restore from that cache never fires.
func browserGoBack(t *testing.T, ctx context.Context) (restored, reloaded bool) {
	t.Helper()
	events := recordTabEvents(t, ctx)
	defer events.stop()

	hist, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil || hist.CurrentIndex < 1 {
		t.Fatalf("reading the history (current entry %d): %v", hist.CurrentIndex, err)
	}
	if _, err := chromedp.Call(ctx, page.NavigateToHistoryEntry,
		page.NavigateToHistoryEntryParams{EntryID: hist.Entries[hist.CurrentIndex-1].ID}); err != nil {
		t.Fatalf("going back: %v", err)
	}
	deadline := time.Now().Add(browserWaitTimeout)
	nav := events.nextNavigation(deadline)
	if nav == nil {
		t.Fatalf("going back: no navigation within %v", browserWaitTimeout)
	}
	if nav.Type == page.NavigationTypeBackForwardCacheRestore {
		restored = true
		// A page that reloads itself on pageshow does so at once.
		if nav = events.nextNavigation(time.Now().Add(browserBFCacheReloadWait)); nav == nil {
			return true, false
		}
		reloaded = true
	}
	for {
		switch events.next(deadline).(type) {
		case nil:
			t.Fatalf("going back: %s did not load within %v", nav.Frame.URL, browserWaitTimeout)
		case *page.EventLoadEventFired:
			return restored, reloaded
		}
	}
}

// browserOpen navigates to url, waits for the page to load and returns
// the response of its document.
func browserOpen(t *testing.T, ctx context.Context, url string) *network.Response {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	if resp == nil {
		t.Fatalf("opening %s: no response", url)
	}
	return resp
}

// saveBrowserArtifact writes a test artifact (a screenshot) to
// $BROWSER_ARTIFACTS, else to $TMPDIR/fiberjwt-browser, where it outlives
// the test, and logs its path.
func saveBrowserArtifact(t *testing.T, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv("BROWSER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "fiberjwt-browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact directory: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
	t.Logf("artifact: %s", path)
	return path
}

// withoutDBusNoise drops the lines in which Chromium complains that there
// is no D-Bus, as in a container: they hide the lines that matter.
func withoutDBusNoise(s string) string {
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.Contains(l, ":ERROR:dbus/") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// cookieNames returns the names of the cookies of a document.cookie string.
func cookieNames(documentCookie string) []string {
	var names []string
	for _, kv := range strings.Split(documentCookie, ";") {
		if name, _, _ := strings.Cut(strings.TrimSpace(kv), "="); name != "" {
			names = append(names, name)
		}
	}
	return names
}
