package core

import (
	"strings"
	"testing"
)

// Test_EqualTokens: equal tokens of every length up to 100 compare equal,
// and a change of any one byte, or of the length, makes them differ.
func Test_EqualTokens(t *testing.T) {
	token := strings.Repeat("eyJhbGciOiJIUzUxMiJ9.", 5)
	for n := 0; n <= len(token); n++ {
		a := token[:n]
		if !equalTokens(a, []byte(a)) {
			t.Fatalf("%q differs from itself", a)
		}
		if n > 0 && equalTokens(a, []byte(a[:n-1])) {
			t.Fatalf("%q equals its prefix", a)
		}
		for i := range n {
			b := []byte(a)
			b[i] ^= 0x80
			if equalTokens(a, b) {
				t.Fatalf("%q equals %q", a, b)
			}
		}
	}
}
