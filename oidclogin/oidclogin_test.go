package oidclogin_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/oidclogin"
	"github.com/fiberjwt/fiberjwt/oidclogin/internal/suite"
	"github.com/gofiber/fiber/v2"
)

type user struct{ ID, Name string }

// serve is the suite's site on Fiber v2.
func serve(t *testing.T, ln net.Listener, o suite.Options) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(fiberjwt.Config[user]{
		SecretKey:      suite.SecretKey,
		Subject:        func(u user) string { return u.ID },
		InsecureCookie: true,
		TimeFunc:       o.Now,
		Next: func(c *fiber.Ctx) bool {
			return c.Path() == "/" || strings.HasPrefix(c.Path(), "/auth/")
		},
	}))
	cfg := oidclogin.Config[user]{
		BaseURL:        o.BaseURL,
		StateKey:       o.StateKey,
		InsecureCookie: true,
		Now:            o.Now,
		User: func(_ *fiber.Ctx, id oidclogin.Identity) (user, error) {
			if id.Subject == suite.Refused {
				return user{}, errors.New("no account for " + id.Subject)
			}
			return user{ID: id.Provider + ":" + id.Subject, Name: id.Name}, nil
		},
	}
	for _, p := range o.Providers {
		cfg.Providers = append(cfg.Providers, oidclogin.Provider{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret})
	}
	oidclogin.Mount(app, cfg)
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("home") })
	app.Get("/me", func(c *fiber.Ctx) error {
		u, _ := fiberjwt.CurrentUser[user](c)
		return c.SendString(u.ID + "|" + u.Name)
	})
	app.Post("/logout", func(c *fiber.Ctx) error { return fiberjwt.Logout(c) })
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
}

// go test -run Test_OIDC_SignIn .
func Test_OIDC_SignIn(t *testing.T) { suite.SignIn(t, serve) }

// go test -run Test_OIDC_StateMismatch .
func Test_OIDC_StateMismatch(t *testing.T) { suite.StateMismatch(t, serve) }

// go test -run Test_OIDC_LoginCSRF .
func Test_OIDC_LoginCSRF(t *testing.T) { suite.LoginCSRF(t, serve) }

// go test -run Test_OIDC_ReplayedCode .
func Test_OIDC_ReplayedCode(t *testing.T) { suite.ReplayedCode(t, serve) }

// go test -run Test_OIDC_WrongNonce .
func Test_OIDC_WrongNonce(t *testing.T) { suite.WrongNonce(t, serve) }

// go test -run Test_OIDC_OtherClient .
func Test_OIDC_OtherClient(t *testing.T) { suite.OtherClient(t, serve) }

// go test -run Test_OIDC_IssuerMixUp .
func Test_OIDC_IssuerMixUp(t *testing.T) { suite.IssuerMixUp(t, serve) }

// go test -run Test_OIDC_WrongSecret .
func Test_OIDC_WrongSecret(t *testing.T) { suite.WrongSecret(t, serve) }

// go test -run Test_OIDC_ProviderDown .
func Test_OIDC_ProviderDown(t *testing.T) { suite.ProviderDown(t, serve) }

// go test -run Test_OIDC_Expired .
func Test_OIDC_Expired(t *testing.T) { suite.Expired(t, serve) }

// go test -run Test_OIDC_Cancelled .
func Test_OIDC_Cancelled(t *testing.T) { suite.Cancelled(t, serve) }

// go test -run Test_OIDC_UserRefused .
func Test_OIDC_UserRefused(t *testing.T) { suite.UserRefused(t, serve) }

// go test -run Test_OIDC_SeveralProviders .
func Test_OIDC_SeveralProviders(t *testing.T) { suite.SeveralProviders(t, serve) }

// go test -run Test_OIDC_SharedStateKey .
func Test_OIDC_SharedStateKey(t *testing.T) { suite.SharedStateKey(t, serve) }
