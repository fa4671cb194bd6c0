package main

import (
	"net"
	"net/http"
	"testing"

	"github.com/fiberjwt/fiberjwt/internal/conformance"
	"github.com/gofiber/fiber/v3"
)

// v3App is the Fiber v3 demo as conformance.Run drives it.
type v3App struct{ *fiber.App }

func (a v3App) Test(req *http.Request) (*http.Response, error) {
	return a.App.Test(req, fiber.TestConfig{Timeout: 0})
}

func (a v3App) Serve(ln net.Listener) error {
	return a.App.Listener(Lingering(ln), fiber.ListenConfig{DisableStartupMessage: true})
}

// cd fiberv3 && go test -run TestConformance ./example
func TestConformance(t *testing.T) {
	conformance.Run(t, func(o conformance.Options) conformance.App { return v3App{newApp(Options(o))} })
}
