package flow

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/fiberjwt/fiberjwt/internal/core"
)

// The errors of a sign-in. The adapters export them under the same names;
// their docs are there.
var (
	ErrConfig      = errors.New("oidclogin: invalid configuration")
	ErrFlow        = errors.New("oidclogin: no matching sign-in in progress")
	ErrDenied      = errors.New("oidclogin: the provider did not sign the user in")
	ErrRejected    = errors.New("oidclogin: the provider's answer was refused")
	ErrProvider    = errors.New("oidclogin: the provider refused this app's configuration")
	ErrUnavailable = errors.New("oidclogin: the provider cannot be reached")
	ErrUser        = errors.New("oidclogin: the app refused the identity")
)

// ProviderError is the error a provider sent to the callback (RFC 6749
// section 4.1.2.1), such as access_denied when the user cancelled. It
// wraps ErrDenied.
type ProviderError struct {
	Code        string
	Description string
}

func (e *ProviderError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("%v: %s", ErrDenied, e.Code)
	}
	return fmt.Sprintf("%v: %s (%s)", ErrDenied, e.Code, e.Description)
}

// Unwrap makes errors.Is(err, ErrDenied) hold.
func (e *ProviderError) Unwrap() error { return ErrDenied }

// Status is the HTTP status that answers err by default.
func Status(err error) int {
	switch {
	case errors.Is(err, core.ErrCSRF):
		return http.StatusForbidden
	case errors.Is(err, core.ErrStorage):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrFlow):
		return http.StatusBadRequest
	case errors.Is(err, ErrDenied), errors.Is(err, ErrRejected):
		return http.StatusUnauthorized
	case errors.Is(err, ErrUser):
		return http.StatusForbidden
	case errors.Is(err, ErrProvider):
		return http.StatusBadGateway
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Refused wraps an error of the app's User callback.
func Refused(err error) error { return fmt.Errorf("%w: %w", ErrUser, err) }

// Message is the short text that answers err by default: what the user can
// do, never the details (they are in err, for the app's log).
func Message(err error) string {
	switch {
	case errors.Is(err, ErrFlow):
		return "Sign-in failed: it expired or was started in another browser. Please start again."
	case errors.Is(err, ErrDenied):
		return "Sign-in cancelled or refused by the provider."
	case errors.Is(err, ErrRejected):
		return "Sign-in failed: the provider's answer could not be verified. Please start again."
	case errors.Is(err, ErrUser), errors.Is(err, core.ErrCSRF):
		return "Sign-in refused."
	case errors.Is(err, ErrProvider):
		return "Sign-in is misconfigured on this site; please tell its operator."
	case errors.Is(err, ErrUnavailable), errors.Is(err, core.ErrStorage):
		return "Sign-in is unavailable at the moment. Please try again later."
	}
	return "Sign-in failed."
}

// Checked reports whether a query or form value means a ticked box.
func Checked(v string) bool { return v == "on" || v == "1" || v == "true" }
