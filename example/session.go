package main

import (
	"fmt"
	"time"
)

// Session is what the protected page tells about the request's session.
type Session struct {
	LoginAt    time.Time // when the user signed in; zero when unknown
	Remembered bool      // the login was remembered ("remember me")
	Expires    time.Time // when the token expires unless the site is used
	Left       string    // the time until Expires, in words
}

// SessionOf describes the request's session from what
// fiberjwt.CurrentSession returns, at the time now.
func SessionOf(login, expires time.Time, remembered bool, now time.Time) Session {
	return Session{LoginAt: login, Remembered: remembered, Expires: expires, Left: Left(expires.Sub(now))}
}

// Left words a duration for a person: "2 h 05 min", "59 min", "less than
// a minute", or "none" when it is not positive. Minutes are rounded down.
func Left(d time.Duration) string {
	switch {
	case d <= 0:
		return "none"
	case d < time.Minute:
		return "less than a minute"
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h == 0 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", h, m)
}
