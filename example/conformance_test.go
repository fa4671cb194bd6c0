package main

import (
	"net"
	"net/http"
	"testing"

	"github.com/fiberjwt/fiberjwt/internal/conformance"
	"github.com/gofiber/fiber/v2"
)

// v2App is the Fiber v2 demo as conformance.Run drives it.
type v2App struct{ *fiber.App }

func (a v2App) Test(req *http.Request) (*http.Response, error) { return a.App.Test(req, -1) }
func (a v2App) Serve(ln net.Listener) error                    { return a.App.Listener(Lingering(ln)) }

// go test -run TestConformance ./example
func TestConformance(t *testing.T) {
	conformance.Run(t, func(o conformance.Options) conformance.App { return v2App{newApp(Options(o))} })
}
