package integration

import (
	"errors"
	"os"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/storage/redis/v3"
	goredis "github.com/redis/go-redis/v9"
)

// Example_redisStorage shares revocations between instances through Redis,
// so that a logout on one instance is honoured by all of them. It compiles
// here, where gofiber/storage/redis is a dependency; it has no Output
// because it needs a running Redis (the ScaleOut tests run one).
func Example_redisStorage() {
	// A client that answers quickly while Redis is down, so that requests
	// get their 503 (ErrStorage) at once instead of after go-redis's
	// default retries; redis.New(redis.Config{...}) works too.
	store := redis.NewFromConnection(goredis.NewClient(&goredis.Options{
		Addr:            os.Getenv("REDIS_ADDR"), // e.g. "10.0.0.5:6379"
		PoolSize:        16,
		DialerRetries:   1,
		MaxRetries:      1,
		MinRetryBackoff: 10 * time.Millisecond,
		MaxRetryBackoff: 50 * time.Millisecond,
	}))
	defer store.Close()

	type User struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey: []byte(os.Getenv("SECRET_KEY")), // the same on every instance
		Storage:   store,
		Authenticate: func(c *fiber.Ctx, id, pw string) (User, error) {
			return User{}, errors.New("look the user up here")
		},
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	// ... routes, then app.Listen.
}
