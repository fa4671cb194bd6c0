package fiberjwt

import (
	"crypto"

	"github.com/fiberjwt/fiberjwt/internal/core"
	"github.com/gofiber/fiber/v3"
)

// Key is one key of a KeySet: an HMAC secret, or an asymmetric key pair
// (or its public half alone, on an instance that only verifies).
type Key struct {
	// ID is the key id, written to the kid header of the tokens it signs
	// and published in the JWKS. Required, unique within a KeySet.
	ID string

	// Algorithm is the only JWS algorithm this key signs and verifies with:
	// HS256, HS384, HS512 (Secret); RS256, RS384, RS512, PS256, PS384, PS512
	// (RSA, at least 2048 bits); ES256, ES384, ES512 (ECDSA on P-256, P-384,
	// P-521); EdDSA (Ed25519). Required.
	Algorithm string

	// Secret is the HMAC key of an HS* key: at least 32, 48 or 64 bytes for
	// HS256, HS384 or HS512. It is copied.
	Secret []byte

	// PrivateKey signs tokens: an *rsa.PrivateKey, *ecdsa.PrivateKey or
	// ed25519.PrivateKey (golang-jwt signs with these types only, so other
	// crypto.Signer implementations are refused). Its public half verifies
	// them.
	PrivateKey crypto.Signer

	// PublicKey verifies tokens when PrivateKey is nil: an *rsa.PublicKey,
	// *ecdsa.PublicKey or ed25519.PublicKey.
	PublicKey crypto.PublicKey
}

// KeySet holds the keys that sign and verify tokens, and lets them rotate
// while the server runs. The first key signs new tokens (when it has a
// secret or a private key; otherwise the instance only verifies); every key
// verifies the tokens that name it in their kid header. A token naming no
// key of the set is refused, and each key accepts its own algorithm only,
// so an HS256 token "signed" with an RSA public key is refused.
//
// A KeySet is safe for concurrent use: Rotate and Retire take effect for
// the next request, and requests in flight keep the keys they started with.
type KeySet struct {
	set *core.KeySet
}

// NewKeySet returns a KeySet of keys, the first of which signs. It returns
// an error wrapping ErrConfig that names the key and the fix when a key is
// invalid.
func NewKeySet(keys ...Key) (*KeySet, error) {
	converted := make([]core.Key, len(keys))
	for i, k := range keys {
		converted[i] = core.Key(k)
	}
	return wrap(core.NewKeySet(converted...))
}

// wrap returns set as a KeySet, or err.
func wrap(set *core.KeySet, err error) (*KeySet, error) {
	if err != nil {
		return nil, err
	}
	return &KeySet{set: set}, nil
}

// core returns the set ks holds; nil for a nil or zero KeySet.
func (ks *KeySet) core() *core.KeySet {
	if ks == nil {
		return nil
	}
	return ks.set
}

// Rotate makes k the key that signs new tokens. The other keys stay, so
// that the tokens they signed keep working until they expire; Retire them
// afterwards (after Config.MaxSessionAge at the latest).
//
// A KeySet made by NewRemoteKeySet cannot rotate: Rotate returns an error
// wrapping ErrConfig.
func (ks *KeySet) Rotate(k Key) error {
	return ks.set.Rotate(core.Key(k))
}

// Retire removes the key with the given id: the tokens it signed are
// refused from the next request on. The signing key cannot be retired;
// Rotate to another first. A KeySet made by NewRemoteKeySet cannot retire
// keys: Retire returns an error wrapping ErrConfig.
func (ks *KeySet) Retire(id string) error {
	return ks.set.Retire(id)
}

// JWKS returns a handler that publishes the set's public keys as a JSON Web
// Key Set (RFC 7517), each with kid, alg and "use": "sig", so that other
// services can verify the tokens this one issues. HMAC secrets are never
// published. It reflects rotations as they happen. Mount it on a public
// route, for example app.Get("/.well-known/jwks.json", keys.JWKS()) before
// app.Use(fiberjwt.New(...)).
func (ks *KeySet) JWKS() fiber.Handler {
	return func(c fiber.Ctx) error { return ks.set.WriteJWKS(c.Response()) }
}
