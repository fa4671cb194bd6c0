package redisrevoke

import (
	"time"

	"github.com/redis/go-redis/v9"
)

// NewWithClock is New with a clock of the test's: a List on a machine whose
// clock is off.
func NewWithClock(client redis.UniversalClient, opts Options, now func() time.Time) (*List, error) {
	return newList(client, opts, now)
}
