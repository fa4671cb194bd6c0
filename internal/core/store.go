package core

import "time"

// store is a Storage with its context methods, when it has them.
type store struct {
	Storage
	ctx ContextStorage
}

// get reads key from st, through its context method with the context of
// c when it has one (only then is the context asked for: it may cost an
// allocation).
func (m *middleware[U, C]) get(c C, st store, key string) ([]byte, error) {
	if st.ctx != nil {
		return st.ctx.GetWithContext(m.adapter.Context(c), key)
	}
	return st.Get(key)
}

// set writes val under key to st for ttl, rounded up to whole seconds:
// storages count whole seconds, and zero means "forever".
func (m *middleware[U, C]) set(c C, st store, key string, val []byte, ttl time.Duration) error {
	ttl = ttl.Truncate(time.Second) + time.Second
	if st.ctx != nil {
		return st.ctx.SetWithContext(m.adapter.Context(c), key, val, ttl)
	}
	return st.Set(key, val, ttl)
}
