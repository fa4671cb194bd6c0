package oidclogin

import "github.com/fiberjwt/fiberjwt/oidclogin/internal/flow"

// The errors a sign-in fails with reach Config.OnError wrapped around one
// of these (use errors.Is), or around an error of fiberjwt.LoginUser.
// Status gives the HTTP status of each.
var (
	// ErrConfig reports an invalid Config; Mount panics with an error
	// wrapping it.
	ErrConfig = flow.ErrConfig

	// ErrFlow: the callback does not answer a sign-in this browser began
	// and can still finish: no sign-in cookie (expired, already answered
	// — a replayed callback —, begun in another browser, or sealed with
	// another StateKey), a state that does not match, a flow older than
	// FlowTimeout, no code. Answered 400.
	ErrFlow = flow.ErrFlow

	// ErrDenied: the provider sent an error instead of a code, such as
	// access_denied when the user cancelled; the error is a
	// *ProviderError. Answered 401.
	ErrDenied = flow.ErrDenied

	// ErrRejected: the provider's answer failed a check: the code was
	// refused at the token endpoint (invalid_grant: already used,
	// expired, or a PKCE verifier of another browser), or the ID token's
	// signature, issuer, audience, expiry or nonce is wrong, or the
	// callback's iss parameter names another issuer. Answered 401.
	ErrRejected = flow.ErrRejected

	// ErrProvider: the provider refused the app's configuration: a wrong
	// ClientID or ClientSecret (invalid_client), or an Issuer that is not
	// exactly the one its discovery document names. Fix the Config.
	// Answered 502.
	ErrProvider = flow.ErrProvider

	// ErrUnavailable: the provider cannot be reached, or answered with a
	// server error (discovery or token endpoint). Answered 503.
	ErrUnavailable = flow.ErrUnavailable

	// ErrUser: Config.User returned an error, which this one wraps.
	// Answered 403.
	ErrUser = flow.ErrUser
)

// ProviderError is the error a provider sent to the callback (RFC 6749
// section 4.1.2.1): Code is its error parameter (access_denied,
// login_required ...), Description its error_description. It wraps
// ErrDenied.
type ProviderError = flow.ProviderError
