package fiberjwt_test

// CSRF double-submit and Bearer tokens (issue 3, section 3).

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/internal/core"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
)

// ---------------------------------------------------------------------------
// CSRF double-submit.

// Login sets the csrf_token cookie to the token's csrf claim, the value
// CSRFToken returns in the login handler and on later requests.
//
// go test -run Test_CSRF_LoginSetsCookie .
func Test_CSRF_LoginSetsCookie(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t))
	resp, body := h.postLogin(t, "alice", "wonderland")
	utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
	token := onlyCookie(t, resp, "token").Value
	csrf := onlyCookie(t, resp, fiberjwt.CSRFCookieName)
	if csrf.Value == "" {
		t.Fatal("empty csrf_token cookie")
	}
	utils.AssertEqual(t, claimsOf(t, token).CSRF, csrf.Value, "csrf claim")
	utils.AssertEqual(t, csrf.Value, resp.Header.Get("X-Login-CSRF"), "CSRFToken(c) in the login handler")
	utils.AssertEqual(t, false, csrf.HttpOnly, "HttpOnly")

	resp, body = h.send(t, fiber.MethodGet, "/echo", h.withToken(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, fmt.Sprintf("Alice csrf=%s exp=%d", csrf.Value, epoch.Add(24*time.Hour).Unix()), body, "CSRFToken(c) later")

	// Not signed in: no value.
	_, body = h.send(t, fiber.MethodGet, "/public", "")
	utils.AssertEqual(t, "hello guest", body)
}

// multipartForm returns a multipart/form-data body with the given fields,
// and its Content-Type.
func multipartForm(tb testing.TB, fields ...string) (*bytes.Buffer, string) {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			tb.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("upload", "a.txt")
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = fw.Write([]byte("file content"))
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

// gzipped returns data compressed with gzip.
func gzipped(tb testing.TB, data []byte) *bytes.Buffer {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return &buf
}

// Unsafe methods of a cookie-authenticated request need the session's CSRF
// value, in the X-CSRF-Token header or the csrf_token field of an
// url-encoded or multipart form; without it, or with another value, the
// request fails with ErrCSRF, answered 403 by default. Safe methods need
// none.
//
// go test -run Test_CSRF_UnsafeMethods .
func Test_CSRF_UnsafeMethods(t *testing.T) {
	t.Parallel()
	type request struct {
		header []string // name, value pairs
		form   string   // "urlencoded" or "multipart": csrf_token carries value
		value  func(right string) string
	}
	right := func(v string) string { return v }
	tests := []struct {
		name string
		req  request
		ok   bool
	}{
		{name: "no value", req: request{}},
		{name: "wrong header", req: request{header: []string{fiberjwt.CSRFHeader}, value: changeFirst}},
		{name: "empty header", req: request{header: []string{fiberjwt.CSRFHeader}, value: func(string) string { return "" }}},
		{name: "truncated header", req: request{header: []string{fiberjwt.CSRFHeader}, value: func(v string) string { return v[:len(v)-1] }}},
		{name: "header with a suffix", req: request{header: []string{fiberjwt.CSRFHeader}, value: func(v string) string { return v + "x" }}},
		{name: "value in another header", req: request{header: []string{"X-XSRF-Token"}, value: right}},
		{name: "wrong form field", req: request{form: "urlencoded", value: func(v string) string { return strings.ToUpper(v) + "!" }}},
		{name: "wrong multipart field", req: request{form: "multipart", value: func(string) string { return "nope" }}},
		// A compressed body is not decoded (it could inflate a small request
		// into gigabytes), and a file named csrf_token is not the field.
		{name: "gzip-compressed form field", req: request{form: "gzip", value: right}},
		{name: "gzip-compressed multipart field", req: request{form: "multipart+gzip", value: right}},
		{name: "value in a file part", req: request{form: "file", value: right}},
		{name: "header", req: request{header: []string{fiberjwt.CSRFHeader}, value: right}, ok: true},
		{name: "url-encoded form field", req: request{form: "urlencoded", value: right}, ok: true},
		{name: "multipart form field", req: request{form: "multipart", value: right}, ok: true},
	}
	for _, method := range []string{fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete} {
		for _, tt := range tests {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				for _, accept := range []string{"", fiber.MIMEApplicationJSON} {
					h := withEcho(newHarness(t))
					def := withEcho(newHarness(t, defaultUnauthorized))
					for _, h := range []*harness{h, def} {
						token := h.signIn(t, "alice", "wonderland")
						csrf := h.csrfFor(token)
						var value string
						if tt.req.value != nil {
							value = tt.req.value(csrf)
						}
						var req *http.Request
						switch tt.req.form {
						case "urlencoded":
							form := url.Values{"theme": {"dark"}, fiberjwt.CSRFField: {value}}
							req = httptest.NewRequest(method, "/echo", strings.NewReader(form.Encode()))
							req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
						case "multipart", "multipart+gzip":
							body, ct := multipartForm(t, "theme", "dark", fiberjwt.CSRFField, value)
							if tt.req.form == "multipart+gzip" {
								body = gzipped(t, body.Bytes())
							}
							req = httptest.NewRequest(method, "/echo", body)
							req.Header.Set(fiber.HeaderContentType, ct)
							if tt.req.form == "multipart+gzip" {
								req.Header.Set(fiber.HeaderContentEncoding, "gzip")
							}
						case "gzip":
							form := url.Values{"theme": {"dark"}, fiberjwt.CSRFField: {value}}
							req = httptest.NewRequest(method, "/echo", gzipped(t, []byte(form.Encode())))
							req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
							req.Header.Set(fiber.HeaderContentEncoding, "gzip")
						case "file":
							var body bytes.Buffer
							w := multipart.NewWriter(&body)
							fw, err := w.CreateFormFile(fiberjwt.CSRFField, "csrf.txt")
							if err != nil {
								t.Fatal(err)
							}
							_, _ = fw.Write([]byte(value))
							if err := w.Close(); err != nil {
								t.Fatal(err)
							}
							req = httptest.NewRequest(method, "/echo", &body)
							req.Header.Set(fiber.HeaderContentType, w.FormDataContentType())
						default:
							req = httptest.NewRequest(method, "/echo", nil)
						}
						req.Header.Set("Cookie", h.with(token))
						for _, name := range tt.req.header {
							req.Header.Set(name, value)
						}
						if accept != "" {
							req.Header.Set(fiber.HeaderAccept, accept)
						}

						resp, body := h.do(t, req)

						if tt.ok {
							utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
							utils.AssertEqual(t, fmt.Sprintf("Alice csrf=%s exp=%d", csrf, epoch.Add(24*time.Hour).Unix()), body)
							utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
							continue
						}
						noRefresh(t, resp, "refused")
						if h == def {
							utils.AssertEqual(t, fiber.StatusForbidden, resp.StatusCode, body)
							utils.AssertEqual(t, "no-store", resp.Header.Get(fiber.HeaderCacheControl))
							if accept == fiber.MIMEApplicationJSON {
								utils.AssertEqual(t, `{"error":"forbidden"}`, body)
								utils.AssertEqual(t, fiber.MIMEApplicationJSON, resp.Header.Get(fiber.HeaderContentType))
							} else {
								utils.AssertEqual(t, "Forbidden", body)
							}
							if csrf != "" && strings.Contains(body, csrf) {
								t.Fatalf("the refusal reveals the CSRF value: %q", body)
							}
							continue
						}
						utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
						if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrCSRF) {
							t.Fatalf("got %v, want ErrCSRF", err)
						}
					}
				}
			})
		}
	}
}

// GET, HEAD and OPTIONS only read: they need no CSRF value.
//
// go test -run Test_CSRF_SafeMethods .
func Test_CSRF_SafeMethods(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t))
	token := h.signIn(t, "alice", "wonderland")
	for _, method := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions} {
		resp, body := h.call(t, method, "/echo", h.with(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, method+": "+body)
	}
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
}

// The CSRF value must be the one of the token's own session: another
// user's, or another login's of the same user, does not do.
//
// go test -run Test_CSRF_OtherSession .
func Test_CSRF_OtherSession(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t))
	alice := h.signIn(t, "alice", "wonderland")
	aliceAgain := h.signIn(t, "alice", "wonderland")
	bob := h.signIn(t, "bob", "builder")
	for name, csrf := range map[string]string{
		"bob's value":                 h.csrfFor(bob),
		"alice's other login's value": h.csrfFor(aliceAgain),
	} {
		// An attacker who can plant a csrf_token cookie (a sibling
		// subdomain can) sends its own session's value in the cookie and
		// the header: the value is checked against the token's claim, not
		// against the cookie, so it fails.
		cookie := h.withToken(alice) + "; " + fiberjwt.CSRFCookieName + "=" + csrf
		resp, body := h.call(t, fiber.MethodPost, "/echo", cookie, fiberjwt.CSRFHeader, csrf)
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, name+": "+body)
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrCSRF) {
			t.Fatalf("%s: got %v, want ErrCSRF", name, err)
		}
	}
	// The cookie itself is not what is checked: alice's own value passes
	// even with another csrf_token cookie.
	resp, body := h.call(t, fiber.MethodPost, "/echo", h.withToken(alice)+"; "+fiberjwt.CSRFCookieName+"="+h.csrfFor(bob), fiberjwt.CSRFHeader, h.csrfFor(alice))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
}

// A crafted token without a csrf claim (signed with the key, but not by
// this package's login) cannot make unsafe cookie requests, whatever it
// sends: an empty value must not match an empty claim.
//
// go test -run Test_CSRF_TokenWithoutClaim .
func Test_CSRF_TokenWithoutClaim(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t))
	token := sign(t, jwt.SigningMethodHS512, testSecret, h.claims("alice"), nil)

	resp, body := h.call(t, fiber.MethodGet, "/echo", h.withToken(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "GET: "+body)

	for _, tc := range []struct {
		name   string
		cookie string
		header []string
		form   string
	}{
		{name: "nothing", cookie: h.withToken(token)},
		{name: "empty header", cookie: h.withToken(token), header: []string{fiberjwt.CSRFHeader, ""}},
		{name: "empty cookie and header", cookie: h.withToken(token) + "; " + fiberjwt.CSRFCookieName + "=", header: []string{fiberjwt.CSRFHeader, ""}},
		{name: "empty form field", cookie: h.withToken(token), form: fiberjwt.CSRFField + "="},
		{name: "some value", cookie: h.withToken(token), header: []string{fiberjwt.CSRFHeader, "anything"}},
	} {
		req := httptest.NewRequest(fiber.MethodPost, "/echo", strings.NewReader(tc.form))
		if tc.form != "" {
			req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
		}
		req.Header.Set("Cookie", tc.cookie)
		for i := 0; i+1 < len(tc.header); i += 2 {
			req.Header.Set(tc.header[i], tc.header[i+1])
		}
		resp, body := h.do(t, req)
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, tc.name+": "+body)
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrCSRF) {
			t.Fatalf("%s: got %v, want ErrCSRF", tc.name, err)
		}
	}
}

// A public route serves an unsafe request that lacks the CSRF value, but as
// anonymous: the token is not honoured, and nothing is refreshed.
//
// go test -run Test_CSRF_PublicRoute .
func Test_CSRF_PublicRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.signIn(t, "alice", "wonderland")
	h.clock.Advance(13 * time.Hour) // old enough to be refreshed

	for _, method := range []string{fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete} {
		resp, body := h.call(t, method, "/public", h.with(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
		utils.AssertEqual(t, "hello guest", body, method+" without the CSRF value")
		noRefresh(t, resp, method+" without the CSRF value")

		resp, body = h.send(t, method, "/public", h.with(token))
		utils.AssertEqual(t, "hello Alice", body, method+" with the CSRF value")
		if fresh, _ := refreshOf(t, h, resp); fresh == nil {
			t.Fatalf("%s with the CSRF value: no refresh", method)
		}
	}
	utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
}

// POST /login is public and needs no CSRF value, even from a browser that
// still holds the cookies of an earlier session.
//
// go test -run Test_CSRF_LoginNeedsNone .
func Test_CSRF_LoginNeedsNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	earlier := h.signIn(t, "alice", "wonderland")

	form := url.Values{"id": {"bob"}, "pw": {"builder"}}
	req := httptest.NewRequest(fiber.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set(fiber.HeaderContentType, fiber.MIMEApplicationForm)
	req.Header.Set("Cookie", h.with(earlier))
	resp, body := h.do(t, req)

	utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
	if err := h.login.last(t); err != nil {
		t.Fatalf("ProcessLogin: %v", err)
	}
	token := onlyCookie(t, resp, "token").Value
	utils.AssertEqual(t, "bob", claimsOf(t, token).Subject)
	utils.AssertEqual(t, claimsOf(t, token).CSRF, onlyCookie(t, resp, fiberjwt.CSRFCookieName).Value)
}

// DisableCSRF: no CSRF cookie, no csrf claim, CSRFToken is "", and unsafe
// requests pass without a value.
//
// go test -run Test_CSRF_Disabled .
func Test_CSRF_Disabled(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t, withoutCSRF))
	resp, body := h.postLogin(t, "alice", "wonderland")
	utils.AssertEqual(t, fiber.StatusSeeOther, resp.StatusCode, body)
	utils.AssertEqual(t, 1, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers")
	noCookie(t, resp, fiberjwt.CSRFCookieName)
	utils.AssertEqual(t, "", resp.Header.Get("X-Login-CSRF"), "CSRFToken(c)")
	token := onlyCookie(t, resp, "token").Value
	utils.AssertEqual(t, "", claimsOf(t, token).CSRF, "csrf claim")
	_, payload, _ := parts(t, token)
	if raw, err := base64.RawURLEncoding.DecodeString(payload); err != nil || bytes.Contains(raw, []byte(`"csrf"`)) {
		t.Fatalf("the token has a csrf claim, or no JSON payload: %s %v", raw, err)
	}

	for _, method := range []string{fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete} {
		resp, body := h.call(t, method, "/echo", h.withToken(token))
		utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, method+": "+body)
		utils.AssertEqual(t, fmt.Sprintf("Alice csrf= exp=%d", epoch.Add(24*time.Hour).Unix()), body)
	}

	// A refresh sets no CSRF cookie either; logout clears only the token.
	h.clock.Advance(13 * time.Hour)
	resp, body = h.call(t, fiber.MethodPost, "/echo", h.withToken(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	fresh, _ := refreshOf(t, h, resp)
	if fresh == nil {
		t.Fatal("no refresh")
	}
	resp, body = h.call(t, fiber.MethodPost, "/logout", h.withToken(fresh.Value))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	utils.AssertEqual(t, 1, len(resp.Header.Values(fiber.HeaderSetCookie)), "Set-Cookie headers of the logout")
	utils.AssertEqual(t, "", onlyCookie(t, resp, "token").Value)
	resp, _ = h.call(t, fiber.MethodGet, "/echo", h.withToken(token))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "the first token after logout")
}

// The CSRF value is read from the header or the form body, never from the
// URL: a value in a query string leaks through logs and Referer headers.
//
// go test -run Test_CSRF_NotFromQueryString .
func Test_CSRF_NotFromQueryString(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t))
	token := h.signIn(t, "alice", "wonderland")

	resp, body := h.call(t, fiber.MethodPost, "/echo?"+fiberjwt.CSRFField+"="+url.QueryEscape(h.csrfFor(token)), h.with(token))

	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, "CSRF value in the query string: "+body)
	if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrCSRF) {
		t.Fatalf("got %v, want ErrCSRF", err)
	}
}

// ---------------------------------------------------------------------------
// Bearer tokens.

// go test -run Test_Bearer .
func Test_Bearer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []option
		method  string
		request func(h *harness, alice, bob string) (cookie string, authorization string)
		wantErr error  // nil: served
		want    string // the user served
	}{
		{
			name:    "AcceptBearer off: the header is ignored",
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Bearer " + alice },
			wantErr: fiberjwt.ErrNoToken,
		},
		{
			name:    "valid",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Bearer " + alice },
			want:    "Alice",
		},
		{
			name:    "lower case scheme",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "", "bearer " + alice },
			want:    "Alice",
		},
		{
			name:    "upper case scheme",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "", "BEARER " + alice },
			want:    "Alice",
		},
		{
			name:    "garbage",
			opts:    []option{withBearer},
			request: func(_ *harness, _, _ string) (string, string) { return "", "Bearer garbage" },
			wantErr: fiberjwt.ErrInvalidToken,
		},
		{
			name:    "no token after the scheme",
			opts:    []option{withBearer},
			request: func(_ *harness, _, _ string) (string, string) { return "", "Bearer " },
			wantErr: fiberjwt.ErrNoToken,
		},
		{
			name:    "another scheme",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Basic " + alice },
			wantErr: fiberjwt.ErrNoToken,
		},
		{
			name:    "scheme without a space",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Bearer" + alice },
			wantErr: fiberjwt.ErrNoToken,
		},
		{
			name:    "forged",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Bearer " + tamper(alice) },
			wantErr: fiberjwt.ErrInvalidToken,
		},
		{
			name:    "cookie wins: valid cookie, garbage bearer",
			opts:    []option{withBearer},
			request: func(h *harness, alice, _ string) (string, string) { return h.with(alice), "Bearer garbage" },
			want:    "Alice",
		},
		{
			name:    "cookie wins: garbage cookie, valid bearer",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "token=garbage", "Bearer " + alice },
			wantErr: fiberjwt.ErrInvalidToken,
		},
		{
			name:    "empty cookie: the bearer is used",
			opts:    []option{withBearer},
			request: func(_ *harness, alice, _ string) (string, string) { return "token=", "Bearer " + alice },
			want:    "Alice",
		},
		{
			name:    "cookie wins: bob's cookie, alice's bearer",
			opts:    []option{withBearer},
			request: func(h *harness, alice, bob string) (string, string) { return h.with(bob), "Bearer " + alice },
			want:    "Bob",
		},
		{
			name:    "POST with a Bearer token needs no CSRF value",
			opts:    []option{withBearer},
			method:  fiber.MethodPost,
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Bearer " + alice },
			want:    "Alice",
		},
		{
			name:    "DELETE with a Bearer token needs no CSRF value",
			opts:    []option{withBearer},
			method:  fiber.MethodDelete,
			request: func(_ *harness, alice, _ string) (string, string) { return "", "Bearer " + alice },
			want:    "Alice",
		},
		{
			name:    "POST with the cookie still needs the CSRF value, Bearer or not",
			opts:    []option{withBearer},
			method:  fiber.MethodPost,
			request: func(h *harness, alice, _ string) (string, string) { return h.with(alice), "Bearer " + alice },
			wantErr: fiberjwt.ErrCSRF,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := withEcho(newHarness(t, tt.opts...))
			alice := h.signIn(t, "alice", "wonderland")
			bob := h.signIn(t, "bob", "builder")
			cookie, authorization := tt.request(h, alice, bob)
			method := tt.method
			if method == "" {
				method = fiber.MethodGet
			}

			resp, body := h.call(t, method, "/echo", cookie, fiber.HeaderAuthorization, authorization)

			if tt.wantErr != nil {
				utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, body)
				if err := h.unauthorized.last(t); !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				return
			}
			utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
			if !strings.HasPrefix(body, tt.want+" ") {
				t.Fatalf("served %q, want the user %s", body, tt.want)
			}
			utils.AssertEqual(t, 0, h.unauthorized.count(), "Unauthorized calls")
		})
	}
}

// changeFirst returns v with its first character changed.
func changeFirst(v string) string {
	if v[0] == 'A' {
		return "B" + v[1:]
	}
	return "A" + v[1:]
}

// tamper returns token with the first character of its signature changed,
// which changes the signature's first byte.
func tamper(token string) string {
	i := strings.LastIndexByte(token, '.') + 1
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// Logout on a Bearer-authenticated request revokes the token's session.
//
// go test -run Test_Bearer_Logout .
func Test_Bearer_Logout(t *testing.T) {
	t.Parallel()
	h := withEcho(newHarness(t, withBearer))
	token := h.signIn(t, "alice", "wonderland")
	other := h.signIn(t, "alice", "wonderland")

	resp, body := h.call(t, fiber.MethodPost, "/account/logout", "", fiber.HeaderAuthorization, "Bearer "+token)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	if err := h.logout.last(t); err != nil {
		t.Fatalf("Logout: %v", err)
	}

	for _, req := range []struct{ name, cookie, authorization string }{
		{name: "Bearer", authorization: "Bearer " + token},
		{name: "cookie", cookie: h.with(token)},
	} {
		resp, _ := h.call(t, fiber.MethodGet, "/echo", req.cookie, fiber.HeaderAuthorization, req.authorization)
		utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode, req.name)
		if err := h.unauthorized.last(t); !errors.Is(err, fiberjwt.ErrRevoked) {
			t.Fatalf("%s after logout: got %v, want ErrRevoked", req.name, err)
		}
	}
	resp, body = h.call(t, fiber.MethodGet, "/echo", "", fiber.HeaderAuthorization, "Bearer "+other)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, "the other session: "+body)
}

// go test -run Test_CSRFNames
// The exported names are the ones the core uses.
func Test_CSRFNames(t *testing.T) {
	t.Parallel()
	got := []string{fiberjwt.CSRFHeader, fiberjwt.CSRFField}
	want := []string{core.CSRFHeader, core.CSRFField}
	utils.AssertEqual(t, want, got)
}
