package oidclogin_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt/oidclogin"
	"github.com/gofiber/fiber/v2"
)

// Test_Mount_Config: each misconfiguration panics at Mount with an error
// wrapping ErrConfig whose message names what to fix; a valid Config
// mounts without reaching the provider (discovery waits for the first
// sign-in).
//
//	go test -run Test_Mount_Config .
func Test_Mount_Config(t *testing.T) {
	valid := func() oidclogin.Config[user] {
		return oidclogin.Config[user]{
			BaseURL:   "https://app.example.com",
			Providers: []oidclogin.Provider{{Name: "corp", Issuer: "https://id.example.com", ClientID: "app", ClientSecret: "s"}},
			User:      func(*fiber.Ctx, oidclogin.Identity) (user, error) { return user{}, nil },
		}
	}
	tests := []struct {
		name, hint string
		edit       func(*oidclogin.Config[user])
	}{
		{"no User", "Config.User", func(c *oidclogin.Config[user]) { c.User = nil }},
		{"no BaseURL", "BaseURL", func(c *oidclogin.Config[user]) { c.BaseURL = "" }},
		{"relative BaseURL", "BaseURL", func(c *oidclogin.Config[user]) { c.BaseURL = "/app" }},
		{"http BaseURL", "InsecureCookie", func(c *oidclogin.Config[user]) { c.BaseURL = "http://app.example.com" }},
		{"Prefix without slash", "Prefix", func(c *oidclogin.Config[user]) { c.Prefix = "auth" }},
		{"Prefix ending in slash", "Prefix", func(c *oidclogin.Config[user]) { c.Prefix = "/auth/" }},
		{"AfterLogin elsewhere", "AfterLogin", func(c *oidclogin.Config[user]) { c.AfterLogin = "https://evil.test/" }},
		{"short StateKey", "StateKey", func(c *oidclogin.Config[user]) { c.StateKey = []byte("short") }},
		{"negative FlowTimeout", "FlowTimeout", func(c *oidclogin.Config[user]) { c.FlowTimeout = -1 }},
		{"no providers", "Providers", func(c *oidclogin.Config[user]) { c.Providers = nil }},
		{"bad name", "provider name", func(c *oidclogin.Config[user]) { c.Providers[0].Name = "Corp/1" }},
		{"two of a name", "two providers", func(c *oidclogin.Config[user]) { c.Providers = append(c.Providers, c.Providers[0]) }},
		{"http issuer", "Issuer", func(c *oidclogin.Config[user]) { c.Providers[0].Issuer = "http://id.example.com" }},
		{"no ClientID", "ClientID", func(c *oidclogin.Config[user]) { c.Providers[0].ClientID = "" }},
		{"AuthParams state", "AuthParams", func(c *oidclogin.Config[user]) { c.Providers[0].AuthParams = map[string]string{"state": "x"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tt.edit(&cfg)
			err := mountErr(cfg)
			if !errors.Is(err, oidclogin.ErrConfig) || !strings.Contains(err.Error(), tt.hint) {
				t.Fatalf("Mount panicked with %v; want ErrConfig naming %q", err, tt.hint)
			}
		})
	}
	if err := mountErr(valid()); err != nil {
		t.Fatalf("a valid Config: %v", err)
	}
}

func mountErr(cfg oidclogin.Config[user]) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if err, _ = r.(error); err == nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}
	}()
	urls := oidclogin.Mount(fiber.New(), cfg)
	if urls["corp"] != "https://app.example.com/auth/corp/callback" {
		return fmt.Errorf("callback URLs %v", urls)
	}
	return nil
}
