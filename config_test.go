package fiberjwt_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiberjwt/fiberjwt"
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
