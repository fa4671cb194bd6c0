// Command loadserver is the tiny server that loadtest.sh puts under wrk: GET
// /protected answering "Protected Page" behind no middleware (-mode bare),
// fiberjwt (-mode fiberjwt), fiberjwt with its revocations in Redis through
// redisrevoke (-mode fiberjwt-redis, Redis at $REDIS_ADDR) or
// gofiber/contrib/jwt v1.1.2 (-mode contribjwt), all configured for the
// cookie "token", HS512 and the same key.
//
//	loadserver -print-token                      # a token for the key, issued by fiberjwt
//	loadserver -mode fiberjwt -addr 127.0.0.1:38080
//	REDIS_ADDR=127.0.0.1:6379 loadserver -mode fiberjwt-redis
//	loadserver -cpuprofile cpu.pprof             # profiles between SIGUSR1 and SIGUSR2
//
// With -cpuprofile FILE the server starts a CPU profile when it gets
// SIGUSR1 and writes it to FILE when it gets SIGUSR2, then logs "profile
// written" (loadtest.sh waits for that line): the profile covers the
// measured load only, not the start-up or the warm-up.
//
// The key is $LOADTEST_KEY (at least 64 bytes) or, without it, a public demo
// constant: this server is for measurements on loopback only, and refuses
// any other address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/redisrevoke"
	jwtware "github.com/gofiber/contrib/jwt"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// demoKey signs and verifies when $LOADTEST_KEY is unset. It is public: never
// use it for real sessions.
const demoKey = "fiberjwt loadtest demo key: public, for benchmarks on loopback only!"

// user is what the token carries.
type user struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func main() {
	mode := flag.String("mode", "fiberjwt", "middleware in front of /protected: bare, fiberjwt or contribjwt")
	addr := flag.String("addr", "127.0.0.1:38080", "loopback address to listen on")
	printToken := flag.Bool("print-token", false, "print a token for the key, issued by fiberjwt, and exit")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of what runs between SIGUSR1 and SIGUSR2 to this file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("loadserver: ")

	key := []byte(demoKey)
	if k := os.Getenv("LOADTEST_KEY"); k != "" {
		key = []byte(k)
	}
	if len(key) < 64 {
		log.Fatalf("the key has %d bytes; HS512 needs at least 64", len(key))
	}

	if *printToken {
		token, err := issueToken(key)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(token)
		return
	}

	if err := checkLoopback(*addr); err != nil {
		log.Fatal(err)
	}
	app, err := newApp(*mode, key)
	if err != nil {
		log.Fatal(err)
	}
	if *cpuprofile != "" {
		go profileOnSignal(*cpuprofile)
	}
	log.Fatal(app.Listen(*addr))
}

// newApp returns the server of mode.
func newApp(mode string, key []byte) (*fiber.App, error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, Prefork: false})
	switch mode {
	case "bare":
	case "fiberjwt":
		app.Use(fiberjwt.New(fiberjwt.Config[user]{SecretKey: key}))
	case "fiberjwt-redis":
		addr := os.Getenv("REDIS_ADDR")
		if addr == "" {
			return nil, errors.New("-mode fiberjwt-redis needs REDIS_ADDR=host:port")
		}
		list, err := redisrevoke.New(redis.NewClient(&redis.Options{Addr: addr}), redisrevoke.Options{})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := list.Ready(ctx); err != nil {
			return nil, err
		}
		app.Use(fiberjwt.New(fiberjwt.Config[user]{SecretKey: key, Revocations: list}))
	case "contribjwt":
		app.Use(jwtware.New(jwtware.Config{
			SigningKey:  jwtware.SigningKey{JWTAlg: jwtware.HS512, Key: key},
			TokenLookup: "cookie:token",
		}))
	default:
		return nil, fmt.Errorf("unknown -mode %q: want bare, fiberjwt, fiberjwt-redis or contribjwt", mode)
	}
	app.Get("/protected", func(c *fiber.Ctx) error { return c.SendString("Protected Page") })
	return app, nil
}

// issueToken signs alice in through fiberjwt.ProcessLogin and returns her
// token (valid for fiberjwt's default 24 hours).
func issueToken(key []byte) (string, error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(fiberjwt.New(fiberjwt.Config[user]{
		SecretKey: key,
		Authenticate: func(_ *fiber.Ctx, id, _ string) (user, error) {
			return user{ID: id, Name: "Alice"}, nil
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Post("/login", func(c *fiber.Ctx) error {
		token, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		if err != nil {
			return err
		}
		return c.SendString(token)
	})
	resp, err := app.Test(httptest.NewRequest(fiber.MethodPost, "/login", nil), -1)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != fiber.StatusOK || len(body) == 0 {
		return "", fmt.Errorf("login: status %d: %s", resp.StatusCode, body)
	}
	return string(body), nil
}

// checkLoopback refuses an address that is not on a loopback interface.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("-addr must be a loopback address such as 127.0.0.1:38080, not " + addr)
	}
	return nil
}

// profileOnSignal profiles the CPU from SIGUSR1 to SIGUSR2 into file.
func profileOnSignal(file string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	var f *os.File
	for s := range sig {
		switch {
		case s == syscall.SIGUSR1 && f == nil:
			var err error
			if f, err = os.Create(file); err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
			log.Print("profiling")
		case s == syscall.SIGUSR2 && f != nil:
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
			f = nil
			log.Print("profile written")
		}
	}
}
