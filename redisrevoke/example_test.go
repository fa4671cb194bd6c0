package redisrevoke_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/fiberjwt/fiberjwt/redisrevoke"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// An instance whose logouts every other instance honours at once, and which
// verifies requests without asking Redis. (Not run by go test: it needs a
// Redis server; scaleout_test.go runs the same against a real one.)
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	list, err := redisrevoke.New(client, redisrevoke.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer list.Close()
	// Optional: start serving only once the revocations are loaded (until
	// then the middleware answers 503).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := list.Ready(ctx); err != nil {
		log.Fatal(err)
	}

	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:   []byte(os.Getenv("SECRET_KEY")), // shared by every instance
		Revocations: list,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) {
			return checkPassword(id, pw)
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	log.Fatal(app.Listen("127.0.0.1:3000"))
}

// User is the example's user type.
type User struct {
	ID string `json:"id"`
}

// checkPassword stands for the application's password check.
func checkPassword(id, _ string) (User, error) { return User{ID: id}, nil }
