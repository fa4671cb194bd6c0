package flow

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// state is what a sign-in keeps in its cookie between Begin and Finish.
type state struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"`
	Return
}

// sealer encrypts and authenticates states with AES-256-GCM. The cookie's
// name is the additional data, so a state sealed for one provider does not
// open as another's.
type sealer struct{ aead cipher.AEAD }

// MinStateKey is the shortest StateKey accepted.
const MinStateKey = 32

func newSealer(key []byte) (sealer, error) {
	if key == nil {
		key = make([]byte, MinStateKey)
		if _, err := rand.Read(key); err != nil {
			return sealer{}, fmt.Errorf("%w: generating a StateKey: %w", ErrConfig, err)
		}
	} else if len(key) < MinStateKey {
		return sealer{}, fmt.Errorf("%w: StateKey has %d bytes, it needs at least %d random bytes (or leave it nil for a random one per process)", ErrConfig, len(key), MinStateKey)
	}
	// Derived, so that a StateKey shared with another use is not used
	// directly as an AES key.
	k := sha256.Sum256(append([]byte("fiberjwt oidclogin state v1\x00"), key...))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, err
	}
	return sealer{aead}, nil
}

func (s sealer) seal(name string, st state) (string, error) {
	plain, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

func (s sealer) open(name, value string) (state, error) {
	var st state
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) < s.aead.NonceSize()+s.aead.Overhead() {
		return st, fmt.Errorf("%w: the sign-in cookie is malformed", ErrFlow)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(name))
	if err != nil {
		return st, fmt.Errorf("%w: the sign-in cookie does not open with this StateKey (forged, or sealed by another instance: share Config.StateKey between instances)", ErrFlow)
	}
	if err := json.Unmarshal(plain, &st); err != nil {
		return st, fmt.Errorf("%w: the sign-in cookie is malformed", ErrFlow)
	}
	return st, nil
}

// random returns 32 random bytes, base64url: a state or a nonce.
func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24 panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}
