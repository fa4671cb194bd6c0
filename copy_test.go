package fiberjwt_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// User types of every shape: the middleware copies the first ones from its
// cache, and decodes the last three from JSON per request.
type (
	flatShape  struct{ ID, Name string }
	rolesShape struct {
		ID    string
		Roles []string
	}
	richShape struct {
		ID    string
		Prefs map[string]string
		Since *time.Time
	}
	// emptyShape: empty and nil are different values, and stay so.
	emptyShape struct {
		Empty    []string
		Nil      []string
		EmptyMap map[string]int
		NilMap   map[string]int
		NilPtr   *int
	}
	nestedShape struct {
		Meta  // embedded
		Teams []team
		Since time.Time
	}
	Meta struct{ Tags []string }
	team struct {
		Name    string
		Members []string
		Scores  map[int][]int
	}
	mapOfSlicesShape struct{ Groups map[string][]string }
	pointerShape     struct{ Profile *profile }
	profile          struct {
		Bio    string
		Links  map[string]string
		Levels map[uint8]string
		Score  *float64
	}
	arrayShape struct{ Pair [2][]string }
	// unexportedShape keeps an unexported slice, set by its UnmarshalJSON.
	unexportedShape struct {
		Roles []string
		lower []string
	}
	interfaceShape struct{ Extra any }
	recursiveShape struct {
		Name string
		Next *recursiveShape
	}
)

func (u *unexportedShape) UnmarshalJSON(b []byte) error {
	type plain unexportedShape // without this method
	if err := json.Unmarshal(b, (*plain)(u)); err != nil {
		return err
	}
	u.lower = nil
	for _, r := range u.Roles {
		u.lower = append(u.lower, strings.ToLower(r))
	}
	return nil
}

// hack overwrites every element of s's backing array, up to its capacity,
// and returns s with one more element.
func hack(s []string) []string {
	all := s[:cap(s)]
	for i := range all {
		all[i] = "hacked"
	}
	return append(s, "hacked")
}

func hackInts(s []int) []int {
	all := s[:cap(s)]
	for i := range all {
		all[i] = -1
	}
	return append(s, -1)
}

// go test -run Test_User_NotShared_Shapes -race
func Test_User_NotShared_Shapes(t *testing.T) {
	t.Parallel()
	since := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("", 2*60*60))
	score := 4.5
	tests := []struct {
		name string
		run  func(*testing.T)
	}{
		{"flat", shapeCase(func() flatShape { return flatShape{"alice", "Alice"} },
			func(u *flatShape) { u.ID, u.Name = "hacked", "hacked" })},
		{"roles", shapeCase(func() rolesShape { return rolesShape{"alice", []string{"reader", "writer", "admin"}} },
			func(u *rolesShape) { u.Roles = hack(u.Roles) })},
		{"map and pointer", shapeCase(func() richShape {
			s := since
			return richShape{"alice", map[string]string{"theme": "dark", "lang": "en"}, &s}
		}, func(u *richShape) {
			u.Prefs["theme"], u.Prefs["new"] = "hacked", "hacked"
			delete(u.Prefs, "lang")
			*u.Since = u.Since.Add(time.Hour).In(time.UTC)
		})},
		{"empty and nil", shapeCase(func() emptyShape {
			return emptyShape{Empty: []string{}, EmptyMap: map[string]int{}}
		}, func(u *emptyShape) {
			u.Empty = hack(u.Empty)
			u.EmptyMap["new"] = 1
		})},
		{"nested slices of structs", shapeCase(func() nestedShape {
			return nestedShape{
				Meta: Meta{Tags: []string{"a", "b"}},
				Teams: []team{
					{Name: "red", Members: []string{"alice", "bob"}, Scores: map[int][]int{1: {10, 20}, 2: {}}},
					{Name: "blue"},
				},
				Since: since,
			}
		}, func(u *nestedShape) {
			u.Tags = hack(u.Tags)
			for i := range u.Teams[:cap(u.Teams)] {
				tm := &u.Teams[:cap(u.Teams)][i]
				tm.Name = "hacked"
				tm.Members = hack(tm.Members)
				for k, v := range tm.Scores {
					tm.Scores[k] = hackInts(v)
				}
			}
			u.Teams = append(u.Teams, team{Name: "hacked"})
			u.Since = u.Since.Add(time.Hour)
		})},
		{"map of slices", shapeCase(func() mapOfSlicesShape {
			return mapOfSlicesShape{map[string][]string{"admins": {"alice"}, "users": {"alice", "bob"}}}
		}, func(u *mapOfSlicesShape) {
			for k, v := range u.Groups {
				u.Groups[k] = hack(v)
			}
			u.Groups["new"] = []string{"hacked"}
		})},
		{"pointer to struct with maps", shapeCase(func() pointerShape {
			s := score
			return pointerShape{&profile{"hi", map[string]string{"web": "example.com"}, map[uint8]string{1: "one"}, &s}}
		}, func(u *pointerShape) {
			p := u.Profile
			p.Bio, p.Links["web"], p.Levels[1], p.Levels[2] = "hacked", "hacked", "hacked", "hacked"
			*p.Score = -1
		})},
		{"array of slices", shapeCase(func() arrayShape {
			return arrayShape{[2][]string{{"a", "b"}, {"c"}}}
		}, func(u *arrayShape) {
			for i := range u.Pair {
				u.Pair[i] = hack(u.Pair[i])
			}
		})},
		{"unexported field (decoded)", shapeCase(func() unexportedShape {
			return unexportedShape{Roles: []string{"Reader", "Admin"}}
		}, func(u *unexportedShape) {
			u.Roles = hack(u.Roles)
			u.lower = hack(u.lower)
		})},
		{"interface field (decoded)", shapeCase(func() interfaceShape {
			return interfaceShape{map[string]any{"roles": []any{"reader"}, "n": 1.0}}
		}, func(u *interfaceShape) {
			m := u.Extra.(map[string]any)
			m["roles"].([]any)[0] = "hacked"
			m["n"] = "hacked"
		})},
		{"recursive type (decoded)", shapeCase(func() recursiveShape {
			return recursiveShape{"first", &recursiveShape{"second", &recursiveShape{Name: "third"}}}
		}, func(u *recursiveShape) {
			for n := u; n != nil; n = n.Next {
				n.Name = "hacked"
			}
			u.Next.Next = nil
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// shapeCase returns a test for the user type U: a user logs in (user is
// what Authenticate returns), then requests, in turn and then concurrently,
// each mutate everything reachable from the user they are given. Each must
// be given the value that json.Unmarshal makes of the token's usr claim, as
// if no other request had run.
func shapeCase[U any](user func() U, mutate func(*U)) func(*testing.T) {
	return func(t *testing.T) {
		t.Parallel()
		app := fiber.New()
		app.Use(fiberjwt.New(fiberjwt.Config[U]{
			SecretKey:    testSecret,
			Next:         func(c *fiber.Ctx) bool { return c.Path() == "/login" },
			Authenticate: func(*fiber.Ctx, string, string) (U, error) { return user(), nil },
		}))
		app.Get("/login", func(c *fiber.Ctx) error {
			token, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
			if err != nil {
				return err
			}
			return c.SendString(token)
		})
		var want U // set before any request but the login
		app.Get("/user", func(c *fiber.Ctx) error {
			u, ok := fiberjwt.CurrentUser[U](c)
			switch {
			case !ok:
				return c.Status(fiber.StatusInternalServerError).SendString("no user")
			case !reflect.DeepEqual(u, want):
				return c.Status(fiber.StatusInternalServerError).SendString(fmt.Sprintf("got %#v, want %#v", u, want))
			}
			mutate(&u)
			if reflect.DeepEqual(u, want) {
				return c.Status(fiber.StatusInternalServerError).SendString("mutate changed nothing")
			}
			return c.SendString("ok")
		})
		handler := app.Handler()

		login := serve(handler, "/login", "")
		utils.AssertEqual(t, fiber.StatusOK, login.Response.StatusCode(), string(login.Response.Body()))
		token := string(login.Response.Body())
		want = usrClaim[U](t, token)

		get := func() { // t.Errorf, not t.Fatalf: it runs on other goroutines too
			ctx := serve(handler, "/user", "token="+token)
			if got := ctx.Response.StatusCode(); got != fiber.StatusOK {
				t.Errorf("status %d: %s", got, ctx.Response.Body())
			}
		}
		for i := 0; i < 3; i++ { // a cache miss, then hits
			get()
		}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 5; j++ {
					get()
				}
			}()
		}
		wg.Wait()
		get()
	}
}

// usrClaim returns what json.Unmarshal makes of token's usr claim.
func usrClaim[U any](tb testing.TB, token string) U {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("token %q: not three segments", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var claims struct {
		User json.RawMessage `json:"usr"`
	}
	var u U
	if err := json.Unmarshal(payload, &claims); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(claims.User, &u); err != nil {
		tb.Fatal(err)
	}
	return u
}
