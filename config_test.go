package fiberjwt_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/golang-jwt/jwt/v5"
)

// newCase is a row of a table of configurations given to New.
type newCase struct {
	name      string
	build     func() // newPanics(cfg)
	wantErr   error  // nil: New must not panic
	wantField string // the panic message names it
}

// runNewCases runs each case in parallel: New must panic with an error
// wrapping wantErr whose message names wantField, or not panic when wantErr
// is nil.
func runNewCases(t *testing.T, tests []newCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := recovered(tt.build)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New panicked with %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && !strings.Contains(err.Error(), tt.wantField) {
				t.Fatalf("message %q does not name %q", err, tt.wantField)
			}
		})
	}
}

// User types with one password-hash field each, named by its JSON key or,
// when untagged, by its Go name.
type (
	userPasswordDigest struct {
		D string `json:"password_digest"` // Rails has_secure_password
	}
	userEncryptedPassword struct {
		E string `json:"encrypted_password"` // Devise
	}
	userPassHash struct {
		H string `json:"pass_hash"`
	}
	userHashedPwd struct {
		H string `json:"hashed_pwd"`
	}
	userPasswordBcrypt struct {
		H string `json:"password_bcrypt"`
	}
	userPasswordSalt struct{ PasswordSalt string }
	userPwdHashCamel struct {
		H string `json:"pwdHash"`
	}
	userPassHashCamel struct {
		H string `json:"passHash"`
	}
	userArgon2Password struct {
		H string `json:"argon2_password"`
	}
	userPwScrypt struct {
		H string `json:"pw-scrypt"`
	}
	userPbkdf2Pass struct {
		H string `json:"pbkdf2.pass"`
	}
	userPasscode struct{ Passcode string }
	// The Go name is checked too: the tag hides nothing.
	userEncryptedPasswordRenamed struct {
		EncryptedPassword string `json:"ep"`
	}
	// Not encoded, so never in a token.
	userHiddenPasswordDigest struct {
		ID             string
		PasswordDigest string `json:"-"`
	}
	// Names with only half of the rule: no password, or no hash.
	userNotPasswords struct {
		Passport          string
		Passenger         string
		Compass           string
		Bypass            bool
		PasswordChangedAt time.Time `json:"password_changed_at"`
		PasswordUpdatedAt time.Time `json:"passwordUpdatedAt"`
		ContentHash       string    `json:"content_hash"`
		Digest            string
		Salt              string `json:"salt"`
		Hash              string
		Pwr               int
		Power             int
	}
)

// go test -run Test_New_PasswordHashFields -race
func Test_New_PasswordHashFields(t *testing.T) {
	t.Parallel()
	runNewCases(t, []newCase{
		{name: "password_digest", build: newPanics(fiberjwt.Config[userPasswordDigest]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "password_digest"},
		{name: "encrypted_password", build: newPanics(fiberjwt.Config[userEncryptedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "encrypted_password"},
		{name: "pass_hash", build: newPanics(fiberjwt.Config[userPassHash]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "pass_hash"},
		{name: "hashed_pwd", build: newPanics(fiberjwt.Config[userHashedPwd]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "hashed_pwd"},
		{name: "password_bcrypt", build: newPanics(fiberjwt.Config[userPasswordBcrypt]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "password_bcrypt"},
		{name: "PasswordSalt", build: newPanics(fiberjwt.Config[userPasswordSalt]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "PasswordSalt"},
		{name: "pwdHash", build: newPanics(fiberjwt.Config[userPwdHashCamel]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "pwdHash"},
		{name: "passHash", build: newPanics(fiberjwt.Config[userPassHashCamel]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "passHash"},
		{name: "argon2_password", build: newPanics(fiberjwt.Config[userArgon2Password]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "argon2_password"},
		{name: "pw-scrypt", build: newPanics(fiberjwt.Config[userPwScrypt]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "pw-scrypt"},
		{name: "pbkdf2.pass", build: newPanics(fiberjwt.Config[userPbkdf2Pass]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "pbkdf2.pass"},
		{name: "Passcode", build: newPanics(fiberjwt.Config[userPasscode]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Passcode"},
		{name: "EncryptedPassword tagged ep", build: newPanics(fiberjwt.Config[userEncryptedPasswordRenamed]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "EncryptedPassword"},
		{name: `PasswordDigest tagged json:"-"`, build: newPanics(fiberjwt.Config[userHiddenPasswordDigest]{SecretKey: testSecret})},
		{name: "passport, bypass, password_changed_at, content_hash, salt ...", build: newPanics(fiberjwt.Config[userNotPasswords]{SecretKey: testSecret})},
	})
}

// go test -run Test_New_CookiePrefixAnyCase -race
func Test_New_CookiePrefixAnyCase(t *testing.T) {
	t.Parallel()
	type cfg = fiberjwt.Config[User]
	runNewCases(t, []newCase{
		{name: "__HOST- with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__HOST-token", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__host- with a Domain", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__host-token", CookieDomain: "example.com"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- with a Path", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", CookiePath: "/app"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__secure- with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__secure-x", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__HOST- with the Secure defaults", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__HOST-token"})},
	})
}

// go test -run Test_New_Leeway -race
func Test_New_Leeway(t *testing.T) {
	t.Parallel()
	type cfg = fiberjwt.Config[User]
	runNewCases(t, []newCase{
		{name: "equal to Expiration", build: newPanics(cfg{SecretKey: testSecret, Expiration: time.Hour, Leeway: time.Hour}), wantErr: fiberjwt.ErrConfig, wantField: "Leeway"},
		{name: "longer than the default Expiration", build: newPanics(cfg{SecretKey: testSecret, Leeway: 25 * time.Hour}), wantErr: fiberjwt.ErrConfig, wantField: "Leeway"},
		{name: "equal to the default Expiration", build: newPanics(cfg{SecretKey: testSecret, Leeway: 24 * time.Hour}), wantErr: fiberjwt.ErrConfig, wantField: "Leeway"},
		{name: "just under Expiration", build: newPanics(cfg{SecretKey: testSecret, Expiration: time.Hour, Leeway: time.Hour - time.Second})},
	})
}

// go test -run Test_New_CrossSiteWithoutCSRF -race
func Test_New_CrossSiteWithoutCSRF(t *testing.T) {
	t.Parallel()
	type cfg = fiberjwt.Config[User]
	runNewCases(t, []newCase{
		{name: "SameSite None with DisableCSRF", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None", DisableCSRF: true}), wantErr: fiberjwt.ErrConfig, wantField: "InsecureCrossSite"},
		{name: "SameSite none, any case, with DisableCSRF", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "none", DisableCSRF: true}), wantErr: fiberjwt.ErrConfig, wantField: "DisableCSRF"},
		{name: "SameSite None with DisableCSRF and InsecureCrossSite", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None", DisableCSRF: true, InsecureCrossSite: true})},
		{name: "SameSite None with CSRF on", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None"})},
		{name: "SameSite Lax with DisableCSRF", build: newPanics(cfg{SecretKey: testSecret, DisableCSRF: true})},
	})
}

// ---------------------------------------------------------------------------
// Configuration.

type (
	userWithPassword       struct{ ID, Password string }
	flaskUser              struct{ ID, PW, Name string } // the seed's User class
	userWithTaggedPassword struct {
		ID     string
		Secret string `json:"password_hash"`
	}
	userWithRenamedPassword struct {
		ID       string
		Password string `json:"p"`
	}
	userWithDashCommaPassword struct {
		ID string
		//lint:ignore SA5008 deliberate: this tag encodes the field under the key "-"
		Password string `json:"-,omitempty"`
	}
	userWithNestedPassword struct {
		ID      string
		Account struct{ PasswordHash string }
	}
	userWithPasswordInSlice struct {
		ID     string
		Logins []*struct{ Pwd string }
	}
	userWithHiddenPassword struct {
		ID       string
		Password string `json:"-"`
	}
	userWithChan struct {
		ID      string
		Updates chan string
	}
)

// newPanics returns a function calling fiberjwt.New(cfg).
func newPanics[U any](cfg fiberjwt.Config[U]) func() {
	return func() { _ = fiberjwt.New(cfg) }
}

// recovered runs f and returns what it panicked with, as an error.
func recovered(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if err, ok = r.(error); !ok {
				err = fmt.Errorf("panic with a %T, not an error: %v", r, r)
			}
		}
	}()
	f()
	return nil
}

func key(n int) []byte { return bytes.Repeat([]byte{'k'}, n) }

// go test -run Test_New_Misconfiguration -race
func Test_New_Misconfiguration(t *testing.T) {
	t.Parallel()
	type cfg = fiberjwt.Config[User]
	runNewCases(t, []newCase{
		{name: "defaults", build: newPanics(cfg{SecretKey: testSecret})},
		{name: "no secret", build: newPanics(cfg{}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "empty secret", build: newPanics(cfg{SecretKey: []byte{}}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS256 with 31 bytes", build: newPanics(cfg{SecretKey: key(31), Algorithm: "HS256"}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS256 with 32 bytes", build: newPanics(cfg{SecretKey: key(32), Algorithm: "HS256"})},
		{name: "HS384 with 47 bytes", build: newPanics(cfg{SecretKey: key(47), Algorithm: "HS384"}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS384 with 48 bytes", build: newPanics(cfg{SecretKey: key(48), Algorithm: "HS384"})},
		{name: "HS512 with 63 bytes", build: newPanics(cfg{SecretKey: key(63), Algorithm: "HS512"}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "default HS512 with 63 bytes", build: newPanics(cfg{SecretKey: key(63)}), wantErr: fiberjwt.ErrConfig, wantField: "SecretKey"},
		{name: "HS512 with 64 bytes", build: newPanics(cfg{SecretKey: key(64), Algorithm: "HS512"})},
		{name: "algorithm none", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "none"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "algorithm None", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "None"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "algorithm RS256", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "RS256"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "algorithm hs512", build: newPanics(cfg{SecretKey: testSecret, Algorithm: "hs512"}), wantErr: fiberjwt.ErrConfig, wantField: "Algorithm"},
		{name: "SameSite None with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieSameSite"},
		{name: "SameSite None, Secure", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "None"})},
		{name: "SameSite strict, any case", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "strict"})},
		{name: "SameSite Loose", build: newPanics(cfg{SecretKey: testSecret, CookieSameSite: "Loose"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieSameSite"},
		{name: "cookie name with a space", build: newPanics(cfg{SecretKey: testSecret, CookieName: "bad name"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "cookie name with a semicolon", build: newPanics(cfg{SecretKey: testSecret, CookieName: "a;b"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "cookie name with an equals sign", build: newPanics(cfg{SecretKey: testSecret, CookieName: "a=b"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "cookie name not ASCII", build: newPanics(cfg{SecretKey: testSecret, CookieName: "é"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- prefix", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token"})},
		{name: "__Host- prefix with a Domain", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", CookieDomain: "example.com"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- prefix with a Path", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", CookiePath: "/app"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Host- prefix with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Host-token", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "__Secure- prefix with InsecureCookie", build: newPanics(cfg{SecretKey: testSecret, CookieName: "__Secure-token", InsecureCookie: true}), wantErr: fiberjwt.ErrConfig, wantField: "CookieName"},
		{name: "relative cookie path", build: newPanics(cfg{SecretKey: testSecret, CookiePath: "app"}), wantErr: fiberjwt.ErrConfig, wantField: "CookiePath"},
		{name: "cookie domain with a semicolon", build: newPanics(cfg{SecretKey: testSecret, CookieDomain: "example.com; secure"}), wantErr: fiberjwt.ErrConfig, wantField: "CookieDomain"},
		{name: "negative expiration", build: newPanics(cfg{SecretKey: testSecret, Expiration: -time.Hour}), wantErr: fiberjwt.ErrConfig, wantField: "Expiration"},
		{name: "expiration of 500ms", build: newPanics(cfg{SecretKey: testSecret, Expiration: 500 * time.Millisecond}), wantErr: fiberjwt.ErrConfig, wantField: "Expiration"},
		{name: "expiration of 1s", build: newPanics(cfg{SecretKey: testSecret, Expiration: time.Second})},
		{name: "negative leeway", build: newPanics(cfg{SecretKey: testSecret, Leeway: -time.Second}), wantErr: fiberjwt.ErrConfig, wantField: "Leeway"},
		{name: "user with a Password field", build: newPanics(fiberjwt.Config[userWithPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Password"},
		{name: "the seed's user with a PW field", build: newPanics(fiberjwt.Config[flaskUser]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "PW"},
		{name: "user with a field tagged password_hash", build: newPanics(fiberjwt.Config[userWithTaggedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "password_hash"},
		{name: "user with a Password field renamed in JSON", build: newPanics(fiberjwt.Config[userWithRenamedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Password"},
		{name: `user with a Password field tagged "-,omitempty"`, build: newPanics(fiberjwt.Config[userWithDashCommaPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Password"},
		{name: "user with a nested password hash", build: newPanics(fiberjwt.Config[userWithNestedPassword]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "PasswordHash"},
		{name: "user with a password in a slice of pointers", build: newPanics(fiberjwt.Config[*userWithPasswordInSlice]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "Pwd"},
		{name: `user with a Password tagged json:"-"`, build: newPanics(fiberjwt.Config[userWithHiddenPassword]{SecretKey: testSecret})},
		{name: "user that cannot be encoded as JSON", build: newPanics(fiberjwt.Config[userWithChan]{SecretKey: testSecret}), wantErr: fiberjwt.ErrConfig, wantField: "JSON"},
	})
}

// go test -run Test_New_Defaults -race
func Test_New_Defaults(t *testing.T) {
	t.Parallel()
	app := fiber.New()
	app.Use(fiberjwt.New(fiberjwt.Config[User]{
		SecretKey:    testSecret,
		Authenticate: func(_ *fiber.Ctx, id, pw string) (User, error) { return lookup(id, pw) },
		Next:         func(c *fiber.Ctx) bool { return c.Path() == "/login" },
	}))
	app.Get("/login", func(c *fiber.Ctx) error {
		_, err := fiberjwt.ProcessLogin(c, "alice", "wonderland")
		return err
	})
	app.Get("/me", func(c *fiber.Ctx) error { return c.JSON(c.Locals("user")) })

	before := time.Now().Truncate(time.Second)
	resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode)
	c := onlyCookie(t, resp, "token")
	utils.AssertEqual(t, 86400, c.MaxAge, "Max-Age")
	utils.AssertEqual(t, http.SameSiteLaxMode, c.SameSite)
	utils.AssertEqual(t, true, c.Secure)
	utils.AssertEqual(t, true, c.HttpOnly)
	utils.AssertEqual(t, "/", c.Path)
	// CSRF protection is on by default: a readable cookie in step with the
	// token's.
	csrf := onlyCookie(t, resp, fiberjwt.CSRFCookieName)
	utils.AssertEqual(t, 86400, csrf.MaxAge, "csrf_token Max-Age")
	utils.AssertEqual(t, http.SameSiteLaxMode, csrf.SameSite)
	utils.AssertEqual(t, true, csrf.Secure)
	utils.AssertEqual(t, false, csrf.HttpOnly)
	utils.AssertEqual(t, "/", csrf.Path)

	var claims struct {
		jwt.RegisteredClaims
		CSRF string `json:"csrf"`
	}
	tok, err := jwt.ParseWithClaims(c.Value, &claims, func(*jwt.Token) (any, error) { return testSecret, nil })
	if err != nil {
		t.Fatalf("parsing the issued token: %v", err)
	}
	utils.AssertEqual(t, "HS512", tok.Method.Alg())
	if claims.CSRF == "" || claims.CSRF != csrf.Value {
		t.Fatalf("csrf claim %q, csrf_token cookie %q", claims.CSRF, csrf.Value)
	}
	if exp := claims.ExpiresAt.Time; exp.Before(before.Add(24*time.Hour)) || exp.After(time.Now().Add(24*time.Hour)) {
		t.Fatalf("exp %v is not now + 24h", exp)
	}

	req := httptest.NewRequest(fiber.MethodGet, "/me", nil)
	req.Header.Set("Cookie", "token="+c.Value)
	resp, err = app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, string(body))
	utils.AssertEqual(t, `{"ID":"alice","Name":"Alice","Roles":["reader"],"Prefs":{"theme":"dark"}}`, string(body), `the user under c.Locals("user")`)
}

// go test -run Test_New_CopiesSecretKey -race
func Test_New_CopiesSecretKey(t *testing.T) {
	t.Parallel()
	secret := append([]byte(nil), testSecret...)
	h := newHarness(t, func(cfg *fiberjwt.Config[User]) { cfg.SecretKey = secret })
	token := h.signIn(t, "alice", "wonderland")

	copy(secret, otherSecret) // the caller reuses its buffer

	resp, body := h.send(t, fiber.MethodGet, "/protected", h.with(token))
	utils.AssertEqual(t, fiber.StatusOK, resp.StatusCode, body)
	resp, _ = h.send(t, fiber.MethodGet, "/protected", h.with(sign(t, jwt.SigningMethodHS512, otherSecret, h.claims("alice"), nil)))
	utils.AssertEqual(t, fiber.StatusUnauthorized, resp.StatusCode)
}
