package redisrevoke_test

// SignOutOtherDevices and SignOutEverywhere across fiberjwt instances that
// share a redisrevoke List's Redis, end to end: real HTTP requests to Fiber
// apps on loopback ports (see scaleout_test.go).

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// signOut posts to path (/signout-others, or /signout-everywhere with the
// form field id) on n as s and expects 200.
func signOut(tb testing.TB, hc *http.Client, n *node, path string, s session, form url.Values) {
	tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	r, _, err := send(hc, http.MethodPost, n.url+path, s, form)
	if err != nil || r.status != http.StatusOK {
		tb.Fatalf("POST %s on %s: %v, %v", path, n.name, r, err)
	}
}

// pastMilli waits until the clock has left t's millisecond. auth_time and
// the users' revocations count milliseconds, and a sign-out revokes the
// sessions begun before its millisecond: a session begun at t counts as
// begun before a sign-out once this returns. It waits for the clock, not
// for another goroutine.
func pastMilli(t time.Time) {
	for time.Now().UnixMilli() <= t.UnixMilli() {
		time.Sleep(50 * time.Microsecond) // clock polling interval
	}
}

// go test -run Test_ScaleOut_SignOutEverywhere -v
func Test_ScaleOut_SignOutEverywhere(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	secret := newSecret(t)
	a := startNode(t, "A", secret, srv.Addr())
	b := startNode(t, "B", secret, srv.Addr())
	hc := newHTTPClient(t)
	admin := login(t, hc, a, "admin")
	bob := login(t, hc, b, "bob")
	// Alice on three devices, signed in on either instance.
	phone, laptop, tablet := login(t, hc, a, "alice"), login(t, hc, a, "alice"), login(t, hc, b, "alice")
	pastMilli(time.Now())
	alice := []session{phone, laptop, tablet}
	for _, n := range []*node{a, b} {
		for _, s := range alice {
			expect(t, hc, n, s, served(n, "alice"), "before any sign-out")
		}
	}

	// From her phone, on B: B refuses her other devices at once, A as soon
	// as the announcement arrives; her phone and bob are still served.
	signOut(t, hc, b, "/signout-others", phone, nil)
	for _, s := range []session{laptop, tablet} {
		expect(t, hc, b, s, revoked, "B, another device, right after SignOutOtherDevices on B")
		poll(t, 0, 2*time.Second, "A refuses another device signed out on B",
			until(t, hc, a, s, revoked, served(a, "alice")))
	}
	for _, n := range []*node{a, b} {
		expect(t, hc, n, phone, served(n, "alice"), "the device that signed the others out")
		expect(t, hc, n, bob, served(n, "bob"), "another user, after SignOutOtherDevices")
	}

	// An admin signs her out everywhere, on A: her phone too.
	signOut(t, hc, a, "/signout-everywhere", admin, url.Values{"id": {"alice"}})
	expect(t, hc, a, phone, revoked, "A, right after SignOutEverywhere on A")
	poll(t, 0, 2*time.Second, "B refuses a session signed out everywhere on A",
		until(t, hc, b, phone, revoked, served(b, "alice")))
	for _, n := range []*node{a, b} {
		expect(t, hc, n, bob, served(n, "bob"), "another user, after SignOutEverywhere")
		expect(t, hc, n, admin, served(n, "admin"), "the admin, after SignOutEverywhere")
	}

	// Logins that follow are valid.
	again := login(t, hc, b, "alice")
	for _, n := range []*node{a, b} {
		expect(t, hc, n, again, served(n, "alice"), "a login after SignOutEverywhere")
	}

	// A fresh instance loads the users' revocations before it serves.
	c := startNode(t, "C", secret, srv.Addr())
	for _, s := range alice {
		expect(t, hc, c, s, revoked, "C, fresh, a session signed out before it started")
	}
	expect(t, hc, c, again, served(c, "alice"), "C, fresh, a login after SignOutEverywhere")
	expect(t, hc, c, bob, served(c, "bob"), "C, fresh, another user")

	// The bound, as Test_ScaleOut_PropagationBound measures it for logouts.
	const signOuts = 100
	lags := make([]time.Duration, 0, signOuts)
	for i := range signOuts {
		id := fmt.Sprintf("user-%d", i)
		s := login(t, hc, a, id)
		expect(t, hc, b, s, served(b, id), "before the sign-out")
		pastMilli(time.Now())
		signOut(t, hc, a, "/signout-everywhere", admin, url.Values{"id": {id}})
		// Back to back: each poll is a real HTTP request to B.
		lags = append(lags, poll(t, 0, 2*time.Second, "B refuses a user signed out everywhere on A",
			until(t, hc, b, s, revoked, served(b, id))))
	}
	slices.Sort(lags)
	rank := func(p float64) time.Duration { return lags[int(math.Ceil(p*signOuts))-1] } // nearest rank
	p50, p99, maxLag := rank(0.50), rank(0.99), lags[signOuts-1]
	t.Logf("SignOutEverywhere propagation A -> B over %d users: p50 %v, p99 %v, max %v", signOuts, p50, p99, maxLag)
	if p99 > 50*time.Millisecond {
		t.Fatalf("propagation p99 %v, want at most 50ms (p50 %v, max %v)", p99, p50, maxLag)
	}
}
