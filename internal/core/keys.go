package core

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"
)

// Key is the adapters' Key, whose documentation is the reference.
type Key struct {
	ID         string
	Algorithm  string
	Secret     []byte
	PrivateKey crypto.Signer
	PublicKey  crypto.PublicKey
}

// KeySet is what the adapters' KeySet holds; their documentation is the
// reference.
type KeySet struct {
	mu     sync.Mutex // serializes changes
	ring   atomic.Pointer[keyRing]
	remote *remoteKeys // NewRemoteKeySet's; nil for NewKeySet's
}

// keyRing is one immutable state of a KeySet.
type keyRing struct {
	keys     []*keyState
	byID     map[string]*keyState
	byHeader map[string]*keyState // by the first segment of the tokens it signs
	signer   *keyState            // nil: verify-only
	remote   *remoteKeys          // a remote set's: its keys may be stale
}

// keyState is a validated Key with what verifying with it needs.
type keyState struct {
	id        string
	method    jwt.SigningMethod
	signKey   any    // []byte, *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey or nil
	verifyKey any    // []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	header    string // first segment of the tokens it signs

	// HMAC keys only: pooled keyed HMACs and the signature segment length.
	hmac   bool
	macs   sync.Pool
	sigLen int

	// also are the other RSA algorithms an RSA key published without alg
	// verifies (RemoteKeys.RSAAlgorithms); method is the first.
	also []jwt.SigningMethod

	// anonymous marks a remote JWK published without kid: it verifies
	// kid-less tokens only.
	anonymous bool
}

// foreign reports whether every token ks verifies is another issuer's:
// a NewRemoteKeySet without RemoteKeys.OwnTokens.
func (ks *KeySet) foreign() bool { return ks.remote != nil && !ks.remote.cfg.OwnTokens }

// NewKeySet is the adapters' NewKeySet, which documents it.
func NewKeySet(keys ...Key) (*KeySet, error) {
	if len(keys) == 0 {
		return nil, configError("NewKeySet needs at least one Key")
	}
	states := make([]*keyState, 0, len(keys))
	for _, k := range keys {
		st, err := newKeyState(k)
		if err != nil {
			return nil, err
		}
		states = append(states, st)
	}
	ring, err := newKeyRing(states)
	if err != nil {
		return nil, err
	}
	ks := &KeySet{}
	ks.ring.Store(ring)
	return ks, nil
}

// Rotate is the adapters' KeySet.Rotate, which documents it.
func (ks *KeySet) Rotate(k Key) error {
	if ks.remote != nil {
		return configError("Rotate: the keys of %s are rotated by their issuer", ks.remote.cfg.URL)
	}
	st, err := newKeyState(k)
	if err != nil {
		return err
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ring, err := newKeyRing(append([]*keyState{st}, ks.ring.Load().keys...))
	if err != nil {
		return err
	}
	ks.ring.Store(ring)
	return nil
}

// Retire is the adapters' KeySet.Retire, which documents it.
func (ks *KeySet) Retire(id string) error {
	if ks.remote != nil {
		return configError("Retire: the keys of %s are retired by their issuer", ks.remote.cfg.URL)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := ks.ring.Load()
	st := old.byID[id]
	switch {
	case st == nil:
		return configError("Retire: no key with ID %q", id)
	case st == old.keys[0]:
		return configError("Retire: key %q is the current key: Rotate to a new key first", id)
	}
	keys := make([]*keyState, 0, len(old.keys)-1)
	for _, k := range old.keys {
		if k != st {
			keys = append(keys, k)
		}
	}
	ring, err := newKeyRing(keys)
	if err != nil {
		return err
	}
	ks.ring.Store(ring)
	return nil
}

func newKeyRing(keys []*keyState) (*keyRing, error) {
	r := &keyRing{keys: keys, byID: make(map[string]*keyState, len(keys)), byHeader: make(map[string]*keyState, len(keys))}
	for _, k := range keys {
		if r.byID[k.id] != nil {
			return nil, configError("two keys have the ID %q: key IDs must be unique", k.id)
		}
		r.byID[k.id] = k
		r.byHeader[k.header] = k
	}
	if keys[0].signKey != nil {
		r.signer = keys[0]
	}
	return r, nil
}

// secretRing is the key ring of Config.SecretKey: one HMAC key without a
// key id, which verifies every token whatever its kid header says.
func secretRing(alg string, secret []byte) *keyRing {
	st := &keyState{method: hmacMethods[alg], signKey: secret, verifyKey: secret}
	st.init()
	return &keyRing{keys: []*keyState{st}, byID: nil, byHeader: map[string]*keyState{st.header: st}, signer: st}
}

// has reports whether k is one of the ring's keys.
func (r *keyRing) has(k *keyState) bool {
	if r.byID == nil { // Config.SecretKey
		return r.keys[0] == k
	}
	return r.byID[k.id] == k
}

// lookup returns the key that verifies a token whose header names kid.
func (r *keyRing) lookup(kid string) *keyState {
	if r.byID == nil { // Config.SecretKey
		return r.keys[0]
	}
	return r.byID[kid]
}

// only returns the one key of the ring that verifies alg, or nil when
// none or several do.
func (r *keyRing) only(alg string) *keyState {
	var found *keyState
	for _, k := range r.keys {
		if k.verifies(alg) {
			if found != nil {
				return nil
			}
			found = k
		}
	}
	return found
}

// verifies reports whether a token whose header names alg is this key's
// to verify: its algorithm, or for an Ed25519 key either name of it.
func (st *keyState) verifies(alg string) bool {
	return st.methodFor(alg) != nil
}

// methodFor returns the method that verifies a token whose header names
// alg with this key, or nil.
func (st *keyState) methodFor(alg string) jwt.SigningMethod {
	switch {
	case alg == st.method.Alg() || (alg == ed25519Alg && st.method == jwt.SigningMethodEdDSA):
		return st.method
	}
	for _, m := range st.also {
		if m.Alg() == alg {
			return m
		}
	}
	return nil
}

// ed25519Alg is RFC 9864's name of EdDSA with Ed25519 ("Ed25519"), which
// jose 6 and oidc-provider 9 write in place of "EdDSA". golang-jwt knows
// only "EdDSA"; rather than register the new name in golang-jwt's global
// registry (which would change what every parser in the program accepts),
// the core verifies such a token's signature itself, with the Ed25519 key
// (checkSignature, methodFor), and lets golang-jwt decode its claims only
// (see parse).
const ed25519Alg = "Ed25519"

func newKeyState(k Key) (*keyState, error) {
	name := fmt.Sprintf("Key %q", k.ID)
	if k.ID == "" || !isAttributeValue(k.ID) || strings.ContainsAny(k.ID, `"\`) {
		return nil, configError("%s: ID must be non-empty, printable ASCII without spaces, quotes or backslashes", name)
	}
	method := jwt.GetSigningMethod(k.Algorithm)
	if method == nil || method == jwt.SigningMethodNone || k.Algorithm == "" {
		return nil, configError("%s: Algorithm %q is not supported: use HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA", name, k.Algorithm)
	}
	st := &keyState{id: k.ID, method: method}
	if m, ok := method.(*jwt.SigningMethodHMAC); ok {
		if k.PrivateKey != nil || k.PublicKey != nil {
			return nil, configError("%s: %s takes a Secret, not a PrivateKey or PublicKey", name, k.Algorithm)
		}
		if min := m.Hash.Size(); len(k.Secret) < min {
			return nil, configError("%s: Secret has %d bytes: %s needs at least %d random bytes", name, len(k.Secret), k.Algorithm, min)
		}
		secret := append([]byte(nil), k.Secret...)
		st.signKey, st.verifyKey = secret, secret
		st.init()
		return st, nil
	}
	if k.Secret != nil {
		return nil, configError("%s: %s takes a PrivateKey or a PublicKey, not a Secret", name, k.Algorithm)
	}
	pub := k.PublicKey
	if k.PrivateKey != nil {
		if err := checkPrivateKey(k.Algorithm, k.PrivateKey); err != nil {
			return nil, configError("%s: %v", name, err)
		}
		pub = k.PrivateKey.Public()
		if k.PublicKey != nil && !publicKeysEqual(pub, k.PublicKey) {
			return nil, configError("%s: PublicKey is not the public half of PrivateKey: set one of them", name)
		}
	}
	if pub == nil {
		return nil, configError("%s: %s needs a PrivateKey (to sign) or a PublicKey (to verify)", name, k.Algorithm)
	}
	if err := checkPublicKey(k.Algorithm, pub); err != nil {
		return nil, configError("%s: %v", name, err)
	}
	st.verifyKey = pub
	if k.PrivateKey != nil {
		st.signKey = k.PrivateKey
	}
	st.init()
	return st, nil
}

// init computes the header of the tokens st signs and, for HMAC, prepares
// the pool of keyed HMACs.
func (st *keyState) init() {
	t := jwt.New(st.method)
	if st.id != "" {
		t.Header["kid"] = st.id
	}
	s, _ := t.SigningString()
	st.header = s[:strings.IndexByte(s, '.')]
	if m, ok := st.method.(*jwt.SigningMethodHMAC); ok {
		key := st.verifyKey.([]byte)
		st.hmac = true
		st.sigLen = base64.RawURLEncoding.EncodedLen(m.Hash.Size())
		st.macs.New = func() any { return &macState{h: hmac.New(m.Hash.New, key)} }
	}
}

// checkPrivateKey reports why priv cannot sign alg, or nil: golang-jwt
// signs with the concrete key types only.
func checkPrivateKey(alg string, priv crypto.Signer) error {
	complete := false
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		complete = (alg[:2] == "RS" || alg[:2] == "PS") && k != nil && k.N != nil
	case *ecdsa.PrivateKey:
		complete = alg[:2] == "ES" && k != nil && k.Curve != nil && k.X != nil && k.Y != nil && k.D != nil
	case ed25519.PrivateKey:
		complete = alg == "EdDSA" && len(k) == ed25519.PrivateKeySize
	}
	if !complete {
		return fmt.Errorf("%s needs %s, complete, not %T", alg, privateKeyTypes[alg[:2]], priv)
	}
	return nil
}

var privateKeyTypes = map[string]string{
	"RS": "an RSA key (*rsa.PrivateKey)",
	"PS": "an RSA key (*rsa.PrivateKey)",
	"ES": "an ECDSA key (*ecdsa.PrivateKey)",
	"Ed": "an Ed25519 key (ed25519.PrivateKey)",
}

// checkPublicKey reports why pub cannot verify alg, or nil.
func checkPublicKey(alg string, pub crypto.PublicKey) error {
	switch alg[:2] {
	case "RS", "PS":
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k == nil || k.N == nil {
			return fmt.Errorf("%s needs an RSA key (*rsa.PublicKey), complete, not %T", alg, pub)
		}
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("the RSA key has %d bits: use at least 2048", k.N.BitLen())
		}
	case "ES":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k == nil || k.Curve == nil || k.X == nil || k.Y == nil {
			return fmt.Errorf("%s needs an ECDSA key (*ecdsa.PublicKey), complete, not %T", alg, pub)
		}
		want := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		if k.Curve != want {
			return fmt.Errorf("%s needs a key on %s, not %s", alg, want.Params().Name, k.Curve.Params().Name)
		}
	case "Ed":
		if k, ok := pub.(ed25519.PublicKey); !ok || len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("EdDSA needs an Ed25519 key, not %T", pub)
		}
	}
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// WriteJWKS answers a request for the set's public keys (the adapters'
// KeySet.JWKS).
func (ks *KeySet) WriteJWKS(resp *fasthttp.Response) error {
	set := jwkSet{Keys: []jwk{}}
	for _, k := range ks.ring.Load().keys {
		if j, ok := publicJWK(k); ok {
			set.Keys = append(set.Keys, j)
		}
	}
	body, err := json.Marshal(set)
	if err != nil {
		return err
	}
	resp.Header.Set(fasthttp.HeaderCacheControl, "public, max-age=300")
	resp.Header.SetContentType("application/jwk-set+json")
	resp.SetBody(body)
	return nil
}

type jwkSet struct {
	Keys []jwk `json:"keys"`
}

// jwk is a public JSON Web Key (RFC 7517, 7518, 8037).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

func publicJWK(k *keyState) (jwk, bool) {
	b64 := base64.RawURLEncoding.EncodeToString
	j := jwk{Kid: k.id, Alg: k.method.Alg(), Use: "sig"}
	switch pub := k.verifyKey.(type) {
	case *rsa.PublicKey:
		j.Kty, j.N, j.E = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		e, err := pub.ECDH()
		if err != nil {
			return j, false
		}
		point := e.Bytes()[1:] // uncompressed: 0x04 || X || Y
		size := len(point) / 2
		j.Kty, j.Crv, j.X, j.Y = "EC", pub.Curve.Params().Name, b64(point[:size]), b64(point[size:])
	case ed25519.PublicKey:
		j.Kty, j.Crv, j.X = "OKP", "Ed25519", b64(pub)
	default:
		return j, false
	}
	return j, true
}
