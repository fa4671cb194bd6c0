package core

// What the middleware writes to the response: the default Unauthorized
// answer and the cookies. Both are written with fasthttp, not through the
// framework, so that the Fiber v2 and v3 adapters send the same bytes
// (Fiber v3's c.Cookie, for one, validates and may drop a cookie).

import (
	"bytes"
	"errors"
	"time"

	"github.com/valyala/fasthttp"
)

// unauthorized is the default Config.Unauthorized: 401 (403 for ErrCSRF,
// 503 for ErrStorage and ErrKeysUnavailable), without revealing the token
// or the error, as JSON when the request prefers it to text.
func unauthorized(rc *fasthttp.RequestCtx, err error, bearer bool) {
	status, text, json := fasthttp.StatusUnauthorized, "Unauthorized", `{"error":"unauthorized"}`
	switch {
	case errors.Is(err, ErrCSRF):
		status, text, json = fasthttp.StatusForbidden, "Forbidden", `{"error":"forbidden"}`
	case errors.Is(err, ErrStorage), errors.Is(err, ErrKeysUnavailable):
		status, text, json = fasthttp.StatusServiceUnavailable, "Service Unavailable", `{"error":"unavailable"}`
	}
	resp := &rc.Response
	if bearer && status == fasthttp.StatusUnauthorized {
		// RFC 6750 section 3: the scheme, and invalid_token when a Bearer
		// token was sent and refused (never why: that is for the logs).
		challenge := "Bearer"
		if len(bearerToken(rc)) > 0 && !errors.Is(err, ErrNoToken) {
			challenge = `Bearer error="invalid_token"`
		}
		resp.Header.Set(fasthttp.HeaderWWWAuthenticate, challenge)
	}
	resp.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	varyAccept(&resp.Header)
	resp.SetStatusCode(status)
	if prefersJSON(rc.Request.Header.Peek(fasthttp.HeaderAccept)) {
		resp.Header.SetContentType("application/json")
		resp.SetBodyString(json)
		return
	}
	resp.SetBodyString(text)
}

// varyAccept adds Accept to the Vary header, unless it is there already.
func varyAccept(h *fasthttp.ResponseHeader) {
	vary := h.Peek(fasthttp.HeaderVary)
	if len(vary) == 0 {
		h.Set(fasthttp.HeaderVary, fasthttp.HeaderAccept)
		return
	}
	for rest := vary; len(rest) > 0; {
		var f []byte
		f, rest, _ = bytes.Cut(rest, []byte(","))
		if f = bytes.TrimSpace(f); is(f, fasthttp.HeaderAccept) || is(f, "*") {
			return
		}
	}
	h.Set(fasthttp.HeaderVary, string(vary)+", "+fasthttp.HeaderAccept)
}

// prefersJSON reports whether a request with this Accept header prefers
// application/json to text/plain and text/html, the answers unauthorized
// offers, the first being the default. Following RFC 9110 section 12.5.1,
// the media ranges with a non-zero q are ranked by q, then by specificity
// (type/subtype over type/* over */*), then by their order; the first
// that matches an offer chooses it, trying the offers in order. A range
// with parameters other than q matches none of them (they have none).
func prefersJSON(accept []byte) bool {
	bestQ, bestSpec, json := -1.0, 0, false
	for len(accept) > 0 {
		var r []byte
		r, accept, _ = bytes.Cut(accept, []byte(","))
		media, q, ok := mediaRange(r)
		if !ok || q <= 0 {
			continue
		}
		spec, matchesJSON := 3, false
		switch {
		case is(media, "*/*"):
			spec = 1 // matches text/plain first
		case is(media, "text/*"):
			spec = 2
		case is(media, "application/*"):
			spec, matchesJSON = 2, true
		case is(media, "application/json"):
			matchesJSON = true
		case !is(media, "text/plain") && !is(media, "text/html"):
			continue
		}
		if q > bestQ || (q == bestQ && spec > bestSpec) {
			bestQ, bestSpec, json = q, spec, matchesJSON
		}
	}
	return json
}

// is reports whether b is s, ignoring ASCII case.
func is(b []byte, s string) bool { return bytes.EqualFold(b, []byte(s)) }

// mediaRange splits one element of an Accept header into its media range
// and q value; ok is false when it has other parameters.
func mediaRange(r []byte) (media []byte, q float64, ok bool) {
	media, params, _ := bytes.Cut(r, []byte(";"))
	media = bytes.TrimSpace(media)
	q = 1
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte(";"))
		name, value, _ := bytes.Cut(bytes.TrimSpace(p), []byte("="))
		if !is(name, "q") {
			return nil, 0, false
		}
		if v, err := fasthttp.ParseUfloat(bytes.TrimSpace(value)); err == nil {
			q = v
		}
	}
	return media, q, true
}

// setCookies sets the token cookie and, with CSRF protection, the CSRF
// cookie, to last as long as the token, or as the browser for a session
// that is not remembered. A nil session clears both.
func (m *middleware[U, C]) setCookies(rc *fasthttp.RequestCtx, token string, s *session) {
	cookie := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(cookie)
	cookie.SetKey(m.cfg.CookieName)
	cookie.SetValue(token)
	cookie.SetPath(m.cfg.CookiePath)
	cookie.SetDomain(m.cfg.CookieDomain)
	cookie.SetExpire(fasthttp.CookieExpireDelete)
	if s != nil && s.browser {
		cookie.SetExpire(fasthttp.CookieExpireUnlimited) // none: it ends with the browser
	} else if s != nil {
		cookie.SetExpire(s.expires)
		// Max-Age counts whole seconds; exp was truncated to one.
		cookie.SetMaxAge(int((s.expires.Sub(m.cfg.TimeFunc()) + time.Second - 1) / time.Second))
	}
	cookie.SetSecure(!m.cfg.InsecureCookie)
	cookie.SetHTTPOnly(true)
	cookie.SetSameSite(m.cfg.sameSite)
	rc.Response.Header.SetCookie(cookie)
	if m.cfg.DisableCSRF {
		return
	}
	cookie.SetKey(m.cfg.CSRFCookieName)
	cookie.SetValue("")
	if s != nil {
		cookie.SetValue(s.csrf)
	}
	cookie.SetHTTPOnly(false)
	rc.Response.Header.SetCookie(cookie)
}
