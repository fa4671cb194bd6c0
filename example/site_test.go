package main

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// go test -run Test_IsLoopback ./example
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
			if got := IsLoopback(tt.addr); got != tt.want {
				t.Errorf("IsLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

// go test -race -run Test_Users_Concurrent ./example
func Test_Users_Concurrent(t *testing.T) {
	t.Parallel()
	users := NewUsers()
	const n = 32
	var wg sync.WaitGroup
	created := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each id twice: exactly one of the two sign-ups wins.
			id := "user" + strconv.Itoa(i/2)
			if _, err := users.Create(id, "User", "password-"+strconv.Itoa(i)); err == nil {
				created <- id
			} else if !errors.Is(err, ErrIDTaken) {
				t.Errorf("Create(%q) = %v, want nil or ErrIDTaken", id, err)
			}
			users.Authenticate("alice", "wonderland")
			if err := users.SetPassword("bob", "builder-"+strconv.Itoa(i)); err != nil {
				t.Errorf("SetPassword(bob): %v", err)
			}
		}()
	}
	wg.Wait()
	close(created)
	seen := map[string]bool{}
	for id := range created {
		if seen[id] {
			t.Errorf("%s was created twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n/2 {
		t.Errorf("%d accounts created, want %d", len(seen), n/2)
	}
	if _, err := users.Authenticate("alice", "wonderland"); err != nil {
		t.Errorf("alice after the sign-ups: %v", err)
	}
}

// go test -run Test_Users ./example
func Test_Users(t *testing.T) {
	t.Parallel()
	users := NewUsers()
	tests := []struct {
		name, id, userName, pw string
		wantErr                error
	}{
		{"ok", "carol", "Carol", "looking-glass", nil},
		{"taken", "alice", "Alice II", "looking-glass", ErrIDTaken},
		{"empty id", "", "X", "looking-glass", ErrMissingField},
		{"blank name", "x", " \t", "looking-glass", ErrMissingField},
		{"empty password", "x", "X", "", ErrMissingField},
		{"upper case", "Carol2", "X", "looking-glass", ErrBadID},
		{"33 characters", strings.Repeat("a", 33), "X", "looking-glass", ErrBadID},
		{"65-character name", "x", strings.Repeat("é", 65), "looking-glass", ErrBadName},
		{"7-character password", "x", "X", "1234567", ErrWeakPassword},
	}
	for _, tt := range tests {
		_, err := users.Create(tt.id, tt.userName, tt.pw)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s: Create = %v, want %v", tt.name, err, tt.wantErr)
		}
	}
	if u, err := users.Authenticate("carol", "looking-glass"); err != nil || u != (User{ID: "carol", Name: "Carol"}) {
		t.Errorf("Authenticate(carol) = %v, %v", u, err)
	}
	for _, pw := range []string{"looking-glas", "", "wonderland"} {
		if _, err := users.Authenticate("carol", pw); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("Authenticate(carol, %q) = %v, want ErrWrongPassword", pw, err)
		}
	}
	if _, err := users.Authenticate("nobody", ""); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("Authenticate(nobody, \"\") = %v, want ErrWrongPassword", err)
	}
	if err := users.SetPassword("carol", "through-the"); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Authenticate("carol", "looking-glass"); err == nil {
		t.Error("the old password still works")
	}
	if _, err := users.Authenticate("carol", "through-the"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	users.Delete("carol")
	if _, err := users.Authenticate("carol", "through-the"); err == nil {
		t.Error("a deleted account signs in")
	}
}

// go test -run Test_Left ./example
func Test_Left(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		-time.Second:                    "none",
		0:                               "none",
		59 * time.Second:                "less than a minute",
		time.Minute:                     "1 min",
		59*time.Minute + 59*time.Second: "59 min",
		time.Hour:                       "1 h 00 min",
		24*time.Hour - time.Second:      "23 h 59 min",
	} {
		if got := Left(d); got != want {
			t.Errorf("Left(%v) = %q, want %q", d, got, want)
		}
	}
}

// go test -run Test_Users_CopiesRequestStrings ./example
//
// Fiber's c.FormValue returns strings that point into the request's
// buffer, which the next request overwrites: Create must keep copies, of
// the map key too.
func Test_Users_CopiesRequestStrings(t *testing.T) {
	t.Parallel()
	users := NewUsers()
	buf := []byte("carolCarol")
	id, name := unsafe.String(&buf[0], 5), unsafe.String(&buf[5], 5)
	if _, err := users.Create(id, name, "looking-glass"); err != nil {
		t.Fatal(err)
	}
	copy(buf, "xxxxxXxxxx") // the next request
	u, err := users.Authenticate("carol", "looking-glass")
	if err != nil || u != (User{ID: "carol", Name: "Carol"}) {
		t.Fatalf("Authenticate(carol) after the buffer changed = %+v, %v; want carol, Carol", u, err)
	}
	if _, err := users.Authenticate("xxxxx", "looking-glass"); err == nil {
		t.Fatal("the account is found under the overwritten id")
	}
}
