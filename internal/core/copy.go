package core

// Copying the cached user. A verified token's user is decoded once, cached
// and never handed out: each request gets a deep copy that shares no mutable
// memory with the cache or another request. newCopier plans it once, at New:
//
//   - Booleans, numbers, strings (immutable, so shared), time.Time (its
//     *Location is immutable, and shared), and arrays and structs of these,
//     whatever their fields' visibility, are copied by value. A U made only
//     of these is copied with one assignment.
//   - Otherwise structs are copied field by field, arrays element by
//     element; a slice gets a new backing array, a map a new map (keyed by
//     strings or integers), a pointer a new value. nil stays nil.
//
// Anything else makes newCopier return nil, and each request decodes the
// cached JSON instead: an interface, chan, func or unsafe.Pointer; another
// map key kind; an unexported field (but an embedded struct) holding a
// slice, map or pointer, which only an UnmarshalJSON method sets, maybe to
// share; a type reachable from itself; nesting deeper than maxCopyDepth;
// more than maxSlots slices, maps and pointers in one value.
//
// The cached value is what json.Unmarshal made of the claim, custom methods
// included, so its deep copy equals a new decoding. Per request: one
// assignment, then per slice, map or pointer a function prepared at New
// (typed code for common element types, else reflect). Memory is allocated
// typed, by Go or reflect, so the GC knows its pointers; unsafe only
// addresses fields by offset.

import (
	"maps"
	"reflect"
	"slices"
	"time"
	"unsafe"
)

const (
	// maxCopyDepth bounds how deeply newCopier follows nested types.
	maxCopyDepth = 16
	// maxSlots bounds the slices, maps and pointers held in one value
	// (counting array elements): beyond it, JSON decoding is as cheap.
	maxSlots = 64
)

// ref is what a slice, map or pointer variable holds: a slice's header, or
// the map or pointer in p alone.
type ref struct {
	p        unsafe.Pointer
	len, cap int
}

// slot is a slice, map or pointer at offset off inside a value, and how to
// copy what it refers to: copy is given the variable's address.
type slot struct {
	off   uintptr
	slice bool
	copy  func(src unsafe.Pointer) ref
}

// fixAll replaces each slot of dst, a shallow copy of src, with a deep copy
// of src's. dst is only written to, so a caller's local stays on its stack.
func fixAll(slots []slot, dst, src unsafe.Pointer) {
	for i := range slots {
		s := &slots[i]
		r := s.copy(unsafe.Add(src, s.off))
		if to := unsafe.Add(dst, s.off); s.slice {
			*(*ref)(to) = r
		} else {
			*(*unsafe.Pointer)(to) = r.p
		}
	}
}

// newCopier returns a function that returns a deep copy of *src sharing no
// mutable memory with it, or nil when U holds something it cannot copy
// safely (then the caller decodes JSON per request). See the rules above.
func newCopier[U any]() func(src *U) U {
	slots, ok := planCopy(reflect.TypeOf((*U)(nil)).Elem(), 0, nil)
	switch {
	case !ok:
		return nil
	case len(slots) == 0:
		return func(src *U) U { return *src }
	}
	return func(src *U) U {
		u := *src
		fixAll(slots, unsafe.Pointer(&u), unsafe.Pointer(src))
		return u
	}
}

// flatType reports whether a U is made of values only (no slice, map or
// pointer to copy): a box holding one cannot be changed through the
// interface (a type assertion copies the value out), so one box serves
// every request.
func flatType[U any]() bool {
	slots, ok := planCopy(reflect.TypeOf((*U)(nil)).Elem(), 0, nil)
	return ok && len(slots) == 0
}

// planCopy returns the slots of a t at offset off, or false when a t cannot
// be copied safely. path holds the types being planned, outermost first.
func planCopy(t reflect.Type, off uintptr, path []reflect.Type) ([]slot, bool) {
	if len(path) >= maxCopyDepth || slices.Contains(path, t) {
		return nil, false
	}
	path = append(path, t)
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return nil, true
	case reflect.Array:
		elem, ok := planCopy(t.Elem(), 0, path)
		if !ok || len(elem)*t.Len() > maxSlots {
			return nil, false
		}
		var all []slot
		for i := 0; i < t.Len() && len(elem) > 0; i++ {
			for _, s := range elem {
				s.off += off + uintptr(i)*t.Elem().Size()
				all = append(all, s)
			}
		}
		return all, true
	case reflect.Struct:
		if t == timeType {
			return nil, true
		}
		var all []slot
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			s, ok := planCopy(f.Type, off+f.Offset, path)
			embedded := f.Anonymous && f.Type.Kind() == reflect.Struct
			if !ok || len(s) > 0 && !f.IsExported() && !embedded {
				return nil, false
			}
			all = append(all, s...)
		}
		return all, len(all) <= maxSlots
	case reflect.Slice, reflect.Map, reflect.Pointer:
		if c := copyRef(t, path); c != nil {
			return []slot{{off: off, slice: t.Kind() == reflect.Slice, copy: c}}, true
		}
	}
	return nil, false // interfaces, chans, funcs, unsafe.Pointer
}

// copyRef returns the copy function of a slot of type t (a slice, map or
// pointer type, the last of path), or nil when what it refers to cannot be
// copied safely.
func copyRef(t reflect.Type, path []reflect.Type) func(src unsafe.Pointer) ref {
	elem := t.Elem()
	slots, ok := planCopy(elem, 0, path)
	var key reflect.Type
	if t.Kind() == reflect.Map {
		key = t.Key()
		if !isKeyKind[key.Kind()] {
			return nil
		}
	}
	// A named basic type (type Role string) shares the typed copies of its
	// kind's slices and pointers: same memory layout. A map's types must
	// match exactly: its runtime type is more than its layout.
	typed := typedCopies[typedKey{t.Kind(), key, elem}]
	if t.Kind() != reflect.Map {
		typed = typedCopies[typedKey{t.Kind(), nil, typedAs(elem)}]
	}
	switch {
	case !ok:
		return nil
	case typed != nil:
		return typed
	case t.Kind() == reflect.Pointer:
		return func(src unsafe.Pointer) ref {
			from := *(*unsafe.Pointer)(src)
			if from == nil {
				return ref{}
			}
			to := reflect.New(elem)
			to.Elem().Set(reflect.NewAt(elem, from).Elem())
			fixAll(slots, to.UnsafePointer(), from)
			return ref{p: to.UnsafePointer()}
		}
	case t.Kind() == reflect.Slice:
		size := elem.Size()
		return func(src unsafe.Pointer) ref {
			from := reflect.NewAt(t, src).Elem()
			if from.IsNil() {
				return ref{}
			}
			n := from.Len()
			to := reflect.MakeSlice(t, n, n)
			reflect.Copy(to, from)
			r, base := ref{p: to.UnsafePointer(), len: n, cap: n}, from.UnsafePointer()
			for i := 0; i < n && len(slots) > 0; i++ {
				fixAll(slots, unsafe.Add(r.p, uintptr(i)*size), unsafe.Add(base, uintptr(i)*size))
			}
			return r
		}
	}
	return func(src unsafe.Pointer) ref { // a map
		from := reflect.NewAt(t, src).Elem()
		if from.IsNil() {
			return ref{}
		}
		to := reflect.MakeMapWithSize(t, from.Len())
		k, v := reflect.New(key).Elem(), reflect.New(elem)
		for it := from.MapRange(); it.Next(); {
			k.SetIterKey(it)
			v.Elem().SetIterValue(it)
			fixAll(slots, v.UnsafePointer(), v.UnsafePointer()) // in place
			to.SetMapIndex(k, v.Elem())
		}
		return ref{p: to.UnsafePointer()}
	}
}

var (
	timeType = reflect.TypeOf(time.Time{})
	// isKeyKind holds the kinds of map keys that copyRef copies.
	isKeyKind = map[reflect.Kind]bool{reflect.String: true, reflect.Int: true, reflect.Int8: true,
		reflect.Int16: true, reflect.Int32: true, reflect.Int64: true, reflect.Uint: true, reflect.Uint8: true,
		reflect.Uint16: true, reflect.Uint32: true, reflect.Uint64: true, reflect.Uintptr: true}
	// typedCopies copy the slices, maps and pointers users hold most with
	// typed code, faster than reflect, by the slot's kind, key type (maps
	// only) and element type, as typedAs names them.
	typedCopies = map[typedKey]func(src unsafe.Pointer) ref{}
	basicTypes  = map[reflect.Kind]reflect.Type{} // by addTyped
)

type typedKey struct {
	kind      reflect.Kind
	key, elem reflect.Type
}

// typedAs returns t, or for a named basic type (type Role string) the
// predeclared type of its kind, which has its layout.
func typedAs(t reflect.Type) reflect.Type {
	if t != nil && basicTypes[t.Kind()] != nil {
		return basicTypes[t.Kind()]
	}
	return t
}

func init() {
	for _, add := range []func(){addTyped[string], addTyped[int], addTyped[int64], addTyped[float64], addTyped[bool], addTyped[time.Time]} {
		add()
	}
}

// addTyped adds the copies of []E, *E and map[string]E to typedCopies. E
// must be copied by value.
func addTyped[E any]() {
	e := reflect.TypeOf((*E)(nil)).Elem()
	if e.Kind() != reflect.Struct {
		basicTypes[e.Kind()] = e
	}
	typedCopies[typedKey{reflect.Slice, nil, e}] = func(src unsafe.Pointer) ref {
		s := *(*[]E)(src)
		if s == nil {
			return ref{}
		}
		c := make([]E, len(s))
		copy(c, s)
		return ref{unsafe.Pointer(unsafe.SliceData(c)), len(c), len(c)}
	}
	typedCopies[typedKey{reflect.Pointer, nil, e}] = func(src unsafe.Pointer) ref {
		p := *(**E)(src)
		if p == nil {
			return ref{}
		}
		c := *p
		return ref{p: unsafe.Pointer(&c)}
	}
	typedCopies[typedKey{reflect.Map, reflect.TypeOf(""), e}] = func(src unsafe.Pointer) ref {
		c := maps.Clone(*(*map[string]E)(src)) // nil stays nil
		return ref{p: *(*unsafe.Pointer)(unsafe.Pointer(&c))}
	}
}
