// Package integration holds the fiberjwt tests and benchmarks that need more
// than the library's own dependencies: a real Redis, a real browser, and
// gofiber/contrib/jwt for side-by-side measurements. It is a module of its
// own so that the library's go.mod stays lean.
package integration
