package core

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// parsedHeader returns the header of a request received with the given
// Cookie headers, as fasthttp's server parses it; ok is false when
// fasthttp refuses the request.
func parsedHeader(t testing.TB, key string, normalize bool, cookies ...string) (*fasthttp.RequestHeader, bool) {
	t.Helper()
	var raw strings.Builder
	raw.WriteString("GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n")
	for _, c := range cookies {
		raw.WriteString(key + ": " + c + "\r\n")
	}
	raw.WriteString("X-Other: 1\r\n\r\n")
	h := new(fasthttp.RequestHeader)
	if !normalize {
		h.DisableNormalizing()
	}
	if err := h.Read(bufio.NewReader(strings.NewReader(raw.String()))); err != nil {
		return nil, false
	}
	return h, true
}

func Test_RequestCookie(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cookies []string
		want    string
	}{
		{"alone", []string{"token=abc"}, "abc"},
		{"among others", []string{"_ga=GA1.2; theme=dark; token=abc; lang=en"}, "abc"},
		{"first of duplicates", []string{"token=first; token=second"}, "first"},
		{"second header", []string{"a=1", "token=abc"}, "abc"},
		{"first header wins", []string{"token=one", "token=two"}, "one"},
		{"spaces", []string{"a=1;   token  =  abc  ;b=2"}, "abc"},
		{"quoted", []string{`token="abc"`}, "abc"},
		{"empty", []string{"token=; token=abc"}, ""},
		{"prefix is another name", []string{"__Host-token=x; xtoken=y; tokens=z"}, ""},
		{"name without value", []string{"token; a=token"}, ""},
		{"value with =", []string{"token=a=b"}, "a=b"},
		{"absent", []string{"a=1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := parsedHeader(t, "Cookie", true, tc.cookies...)
			if !ok {
				t.Fatal("fasthttp refused the request")
			}
			if got := requestCookie(h, "token"); string(got) != tc.want {
				t.Fatalf("requestCookie = %q, want %q", got, tc.want)
			}
			if got := h.Cookie("token"); string(got) != tc.want {
				t.Fatalf("fasthttp's Cookie = %q, want %q", got, tc.want)
			}
		})
	}
}

// Test_RequestCookie_NoCollect shows that requestCookie leaves fasthttp's
// cookies uncollected and allocates nothing, before and after they are.
// It fails when this fasthttp no longer has the fields headerFlags reads.
func Test_RequestCookie_NoCollect(t *testing.T) {
	if !headerFlags.ok {
		t.Fatal("fasthttp.RequestHeader has no cookiesCollected and disableNormalizing fields: requestCookie always parses every cookie")
	}
	// Until fasthttp collects the cookies, PeekAll hands out the
	// headers as received; then it joins the collected cookies anew.
	collected := func(h *fasthttp.RequestHeader) bool {
		return testing.AllocsPerRun(1, func() { h.PeekAll(fasthttp.HeaderCookie) }) > 0
	}
	h, _ := parsedHeader(t, "Cookie", true, "_ga=GA1.2.3; theme=dark; token=abc")
	if n := testing.AllocsPerRun(100, func() { requestCookie(h, "token") }); n != 0 {
		t.Fatalf("%v allocations per lookup in uncollected headers", n)
	}
	if collected(h) || !headerFlags.raw(h) {
		t.Fatal("the lookup collected the cookies")
	}
	h.Cookie("theme") // a handler collects them
	if !collected(h) || headerFlags.raw(h) {
		t.Fatal("headerFlags does not see the cookies collected")
	}
	if got := requestCookie(h, "token"); string(got) != "abc" {
		t.Fatalf("requestCookie = %q once the cookies are collected", got)
	}
	if n := testing.AllocsPerRun(100, func() { requestCookie(h, "token") }); n != 0 {
		t.Fatalf("%v allocations per lookup in collected headers", n)
	}
	h.SetCookie("token", "changed") // as Fiber's encryptcookie does
	if got := requestCookie(h, "token"); string(got) != "changed" {
		t.Fatalf("requestCookie = %q after SetCookie", got)
	}
	h, _ = parsedHeader(t, "cookie", false, "token=abc")
	if headerFlags.raw(h) || string(requestCookie(h, "token")) != "abc" {
		t.Fatal("requestCookie misses a header named cookie when names are kept as sent")
	}
}

// Fuzz_RequestCookie checks requestCookie against fasthttp's own cookie
// parser (RequestHeader.Cookie) on the same request: one or two Cookie
// headers, the header's name in any case, with and without header name
// normalisation, before and after a handler collected the cookies.
func Fuzz_RequestCookie(f *testing.F) {
	for _, seed := range []struct {
		a, b, name string
	}{
		{"token=abc", "", "token"},
		{`a=1; token = "x y" ;token=2`, "token=3", "token"},
		{"__Host-token=x; token", "=token; token=;", "__Host-token"},
		{`t="`, `t=""`, "t"},
		{" ; ;=; t =\t1 ", "t=2", "t"},
	} {
		f.Add(seed.a, seed.b, seed.name, uint8(0))
	}
	f.Fuzz(func(t *testing.T, a, b, name string, mode uint8) {
		if name == "" {
			return // refused by New
		}
		key := [...]string{"Cookie", "cookie", "COOKIE", "CoOkIe"}[mode%4]
		normalize := mode&4 == 0
		cookies := []string{a}
		if mode&8 != 0 {
			cookies = append(cookies, b)
		}
		h, ok := parsedHeader(t, key, normalize, cookies...)
		if !ok {
			return // not a request fasthttp reads
		}
		want, _ := parsedHeader(t, key, normalize, cookies...)
		if mode&16 != 0 {
			h.Cookie(name) // collected before the middleware runs
		}
		if got, exp := requestCookie(h, name), want.Cookie(name); !bytes.Equal(got, exp) {
			t.Fatalf("headers %q as %q (normalize %v): requestCookie(%q) = %q, fasthttp %q", cookies, key, normalize, name, got, exp)
		}
	})
}

// Benchmark_RequestCookie measures finding the token cookie in a request
// as the server receives it: each iteration parses the request's header
// afresh, then looks the cookie up with fasthttp's Cookie or with
// requestCookie; "parse" is the baseline that looks nothing up. The token
// is 300 bytes, as an HS512 token with a small user is; "browser" adds the
// analytics and preference cookies a site's browsers send along.
//
//	go test -run '^$' -bench Benchmark_RequestCookie -benchmem ./internal/core
func Benchmark_RequestCookie(b *testing.B) {
	token := "token=" + strings.Repeat("eyJhbGciOiJIUzUxMiJ9", 15)
	for _, cookies := range []struct{ name, header string }{
		{"token", token},
		{"browser", "_ga=GA1.1.1234567890.1733400000; _ga_XYZ=GS1.1.1733400000.1.1.1733400100.0.0.0; theme=dark; lang=en-GB; consent=analytics%3Dyes; " + token + "; _gid=GA1.2.987654321.1733400000"},
	} {
		raw := "GET /protected HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: text/html,*/*;q=0.8\r\nAccept-Language: en-GB,en;q=0.5\r\nCookie: " + cookies.header + "\r\n\r\n"
		for _, lookup := range []struct {
			name string
			f    func(h *fasthttp.RequestHeader) []byte
		}{
			{"parse", func(*fasthttp.RequestHeader) []byte { return nil }},
			{"fasthttp", func(h *fasthttp.RequestHeader) []byte { return h.Cookie("token") }},
			{"requestCookie", func(h *fasthttp.RequestHeader) []byte { return requestCookie(h, "token") }},
		} {
			b.Run(cookies.name+"/"+lookup.name, func(b *testing.B) {
				var h fasthttp.RequestHeader
				sr := strings.NewReader(raw)
				br := bufio.NewReader(sr)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					h.Reset()
					sr.Reset(raw)
					br.Reset(sr)
					if err := h.Read(br); err != nil {
						b.Fatal(err)
					}
					if got := lookup.f(&h); lookup.name != "parse" && len(got) != len(token)-len("token=") {
						b.Fatalf("%d bytes", len(got))
					}
				}
			})
		}
	}
}
