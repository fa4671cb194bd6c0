package core

import (
	"bytes"
	"reflect"

	"github.com/valyala/fasthttp"
)

// requestCookie returns the value of the request's first cookie named
// name, as h.Cookie(name) would, without what h.Cookie does first: parse
// and copy every cookie of every Cookie header into fasthttp's cookie list
// (its collectCookies), into buffers that are cold on a loaded server.
// That copy was 3% of a loaded server's CPU, 40% of the middleware's.
//
// It reads the Cookie headers as received (PeekAll) while fasthttp has
// not collected them: no handler has read the cookies through fasthttp
// yet, nor changed them (SetCookie, DelCookie, Set and Add collect them
// first, as Fiber's encryptcookie middleware does), so the headers are
// the request's cookies. Otherwise it asks h.Cookie, whose work is then
// done already. It does the same when the app keeps header names as sent
// (fiber.Config.DisableHeaderNormalizing), since a header named "cookie"
// is then not found by PeekAll.
//
// fasthttp tells neither state through its API, so headerFlags reads the
// two booleans of RequestHeader that hold them. The value returned is the
// header's bytes, valid while the request is handled and its cookies are
// not changed, as h.Cookie's is.
func requestCookie(h *fasthttp.RequestHeader, name string) []byte {
	if !headerFlags.raw(h) {
		return h.Cookie(name)
	}
	for _, v := range h.PeekAll(fasthttp.HeaderCookie) {
		if value, ok := findCookie(v, name); ok {
			return value
		}
	}
	return nil
}

// headerFlags locates fasthttp.RequestHeader's unexported cookiesCollected
// and disableNormalizing fields, once. They are read, never written, by
// reflection, which costs no allocation. When a fasthttp release renames
// them, requestCookie always asks RequestHeader.Cookie, and
// Test_RequestCookie_NoCollect fails, so that the change is seen.
var headerFlags = func() (f rawFlags) {
	t := reflect.TypeOf(fasthttp.RequestHeader{})
	for i, name := range []string{"cookiesCollected", "disableNormalizing"} {
		field, ok := t.FieldByName(name) // fasthttp 1.69 has the second in an embedded struct
		if !ok || field.Type.Kind() != reflect.Bool {
			return rawFlags{}
		}
		f.index[i] = field.Index
	}
	f.ok = true
	return f
}()

// rawFlags holds the field indexes headerFlags finds.
type rawFlags struct {
	ok    bool
	index [2][]int // cookiesCollected, disableNormalizing
}

// raw reports whether h's Cookie headers are the request's cookies, in
// headers named exactly "Cookie".
func (f rawFlags) raw(h *fasthttp.RequestHeader) bool {
	if !f.ok {
		return false
	}
	v := reflect.ValueOf(h).Elem()
	return !v.FieldByIndex(f.index[0]).Bool() && !v.FieldByIndex(f.index[1]).Bool()
}

// findCookie returns the value of the first cookie named name in a Cookie
// header's value, read as fasthttp reads it: cookies are separated by ';',
// a cookie's name is what precedes its first '=' (none without one), name
// and value are trimmed of spaces (only ' '), and a value in double quotes
// loses them.
func findCookie(header []byte, name string) ([]byte, bool) {
	for len(header) > 0 {
		var pair []byte
		pair, header, _ = bytes.Cut(header, []byte(";"))
		key, value, ok := bytes.Cut(pair, []byte("="))
		if !ok || string(bytes.Trim(key, " ")) != name {
			continue
		}
		value = bytes.Trim(value, " ")
		if len(value) > 1 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		return value, true
	}
	return nil, false
}
