package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"
)

// The refusals of Users' methods; SignUpRefusal and PasswordRefusal turn
// them into pages.
var (
	// ErrWrongPassword refuses a login or a password change.
	ErrWrongPassword = errors.New("wrong id or password")
	// ErrMissingField refuses a sign-up with an empty id, name or password.
	ErrMissingField = errors.New("every field is required")
	// ErrBadID refuses a sign-up whose id is not 1 to 32 lower-case letters,
	// digits, '.', '_' or '-'.
	ErrBadID = errors.New("the id may hold lower-case letters, digits, '.', '_' and '-' (at most 32)")
	// ErrBadName refuses a sign-up whose name is over 64 characters or not
	// valid text.
	ErrBadName = errors.New("the name may have at most 64 characters")
	// ErrWeakPassword refuses a password of fewer than MinPassword
	// characters (or over 256 bytes).
	ErrWeakPassword = errors.New("the password is too short")
	// ErrIDTaken refuses a sign-up with the id of an existing account.
	ErrIDTaken = errors.New("this id is taken")
	// ErrFull refuses a sign-up when the store holds MaxUsers accounts.
	ErrFull = errors.New("no more accounts can be created")
)

// MinPassword is the fewest characters a new password may have.
const MinPassword = 8

// MaxUsers bounds the accounts of a Users, so that a script signing up
// in a loop cannot fill the demo's memory.
const MaxUsers = 10_000

// account is a user and the hash of their password.
type account struct {
	user User
	salt [16]byte
	hash [sha256.Size]byte
}

// Users is the demo's user database, in memory and safe for concurrent
// use. Each app has its own (NewUsers), so that tests do not share
// accounts.
//
// It stores a salted SHA-256 hash of each password, never the password.
// That is for the demo only: SHA-256 is fast, so a stolen database would
// be guessed at billions of passwords a second. Real sites use a slow,
// memory-hard password hash: argon2id or bcrypt (golang.org/x/crypto).
type Users struct {
	mu   sync.RWMutex
	byID map[string]*account
}

// NewUsers returns a store holding the demo users alice/wonderland and
// bob/builder.
func NewUsers() *Users {
	s := &Users{byID: map[string]*account{}}
	for _, u := range []struct{ id, name, pw string }{
		{"alice", "Alice", "wonderland"},
		{"bob", "Bob", "builder"},
	} {
		s.byID[u.id] = newAccount(User{ID: u.id, Name: u.name}, u.pw)
	}
	return s
}

func newAccount(u User, pw string) *account {
	a := &account{user: u}
	if _, err := rand.Read(a.salt[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	a.hash = hashPassword(a.salt, pw)
	return a
}

func hashPassword(salt [16]byte, pw string) [sha256.Size]byte {
	return sha256.Sum256(append(salt[:], pw...))
}

// dummy is hashed against for an unknown id, so that a login takes as
// long whether the id exists or not.
var dummy = newAccount(User{}, "")

// Authenticate checks an id and a password: Config.Authenticate without
// the request.
func (s *Users) Authenticate(id, pw string) (User, error) {
	s.mu.RLock()
	a, ok := s.byID[id]
	s.mu.RUnlock()
	if !ok {
		a = dummy
	}
	h := hashPassword(a.salt, pw)
	if subtle.ConstantTimeCompare(h[:], a.hash[:]) != 1 || !ok {
		return User{}, ErrWrongPassword
	}
	return a.user, nil
}

// Create adds an account and returns its user. It refuses empty fields
// (ErrMissingField), an id that is not short lower-case text (ErrBadID),
// a name over 64 characters (ErrBadName), a short password
// (ErrWeakPassword), a taken id (ErrIDTaken), and more than MaxUsers
// accounts (ErrFull).
func (s *Users) Create(id, name, pw string) (User, error) {
	name = strings.TrimSpace(name)
	switch {
	case id == "" || name == "" || pw == "":
		return User{}, ErrMissingField
	case !validID(id):
		return User{}, ErrBadID
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > 64:
		return User{}, ErrBadName
	}
	if err := CheckPassword(pw); err != nil {
		return User{}, err
	}
	// Copies: under Fiber, the strings of a request (c.FormValue) point
	// into buffers that the next request reuses.
	a := newAccount(User{ID: strings.Clone(id), Name: strings.Clone(name)}, pw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.byID[id]; taken {
		return User{}, ErrIDTaken
	}
	if len(s.byID) >= MaxUsers {
		return User{}, ErrFull
	}
	s.byID[a.user.ID] = a // the copy: a map keeps its keys
	return a.user, nil
}

// Delete removes the account id: it undoes a sign-up that could not sign
// the user in.
func (s *Users) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// SetPassword replaces the password of the account id. The caller has
// checked the current one. It returns ErrWeakPassword for a short one and
// ErrWrongPassword when there is no such account.
func (s *Users) SetPassword(id, pw string) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.byID[id]
	if !ok {
		return ErrWrongPassword
	}
	s.byID[a.user.ID] = newAccount(a.user, pw)
	return nil
}

// CheckPassword returns ErrWeakPassword unless pw is a password that a
// new account or a password change may set: MinPassword characters or
// more, and at most 256 bytes.
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPassword || len(pw) > 256 {
		return ErrWeakPassword
	}
	return nil
}

// validID reports whether id is 1 to 32 lower-case ASCII letters, digits,
// '.', '_' or '-': ids differing in case or look-alike letters cannot
// name two accounts.
func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
