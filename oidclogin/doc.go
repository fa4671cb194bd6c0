// Package oidclogin adds "Sign in with …" any OpenID Connect provider
// (Google, Microsoft Entra ID, Okta, Auth0, Keycloak, GitLab …) to a
// Fiber v2 app that keeps its users signed in with fiberjwt: the provider
// proves who the user is once, and fiberjwt's cookie session takes over.
// For Fiber v3, use github.com/fiberjwt/fiberjwt/oidclogin/fiberv3, which
// has the same API.
//
//	app.Use(fiberjwt.New(fiberjwt.Config[User]{
//		SecretKey: key,
//		Subject:   func(u User) string { return u.ID },
//		Next:      func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/auth/") || c.Path() == "/" },
//	}))
//	oidclogin.Mount(app, oidclogin.Config[User]{
//		BaseURL: "https://app.example.com",
//		Providers: []oidclogin.Provider{{
//			Name:         "google",
//			Issuer:       "https://accounts.google.com",
//			ClientID:     os.Getenv("GOOGLE_CLIENT_ID"),
//			ClientSecret: os.Getenv("GOOGLE_CLIENT_SECRET"),
//		}},
//		User: func(c *fiber.Ctx, id oidclogin.Identity) (User, error) {
//			return users.FindOrCreate(id.Issuer, id.Subject, id.Name)
//		},
//	})
//
// A link to /auth/google starts the sign-in; register
// https://app.example.com/auth/google/callback with the provider.
//
// # What it checks
//
// The sign-in is OAuth 2's authorization code flow with PKCE (S256) and
// OpenID Connect's nonce. The start route seals a random state, nonce and
// PKCE verifier into a short-lived cookie (AES-256-GCM, HttpOnly,
// SameSite=Lax, "__Host-" prefixed and Secure unless InsecureCookie), bound
// to the browser that began the sign-in. The callback takes that cookie
// and clears it (so a callback is answered once), compares the state in
// constant time, exchanges the code with the verifier, verifies the ID
// token with github.com/coreos/go-oidc/v3 (signature with the provider's
// published keys, issuer, audience, expiry) and compares its nonce. Only
// then does it call Config.User and fiberjwt.LoginUser. After the sign-in
// it redirects to a local path only: the next parameter is ignored unless
// it is a path on this site.
//
// # Errors
//
// A sign-in that fails answers through Config.OnError, never with a
// session: see ErrFlow, ErrDenied, ErrRejected, ErrProvider,
// ErrUnavailable and ErrUser, and Status for their HTTP statuses.
//
// The tests (Test_OIDC_*) run against a real OpenID Provider, panva's
// oidc-provider, started on loopback.
package oidclogin
