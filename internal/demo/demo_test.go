package demo_test

import (
	"testing"

	"github.com/fiberjwt/fiberjwt/internal/demo"
)

// go test -run Test_IsLoopback ./internal/demo
func Test_IsLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:3000", true},
		{"127.1.2.3:80", true},
		{"[::1]:3000", true},
		{"[::ffff:127.0.0.1]:3000", true},
		{"localhost:3000", true},
		{"LocalHost:3000", true},
		{":3000", false}, // every interface
		{"0.0.0.0:3000", false},
		{"[::]:3000", false},
		{"192.168.1.10:3000", false},
		{"example.com:443", false},
		{"127.0.0.1", false}, // no port: net.Listen refuses it anyway
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			if got := demo.IsLoopback(tt.addr); got != tt.want {
				t.Errorf("IsLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
