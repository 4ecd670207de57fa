package ecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// object is a JSON object that remembers the order its keys were inserted
// in (JSON document order, or sorted order when built from a Go map), which
// Java's HashMap needs to break ties inside a bucket.
type object struct {
	// keys holds every key ever inserted, dropped ones included: HashMap's
	// table size depends on how many entries it held, not on how many are
	// left after the null/empty drop.
	keys []string
	vals map[string]any // only the live entries
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) put(k string, v any) {
	if _, seen := o.vals[k]; !seen && !slices.Contains(o.keys, k) {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// path follows a dotted list of keys through nested objects.
func (o *object) path(keys ...string) (any, bool) {
	var cur any = o
	for _, k := range keys {
		obj, ok := cur.(*object)
		if !ok {
			return nil, false
		}
		if cur, ok = obj.get(k); !ok {
			return nil, false
		}
	}
	return cur, true
}

// fromGo converts decoded JSON (map[string]any, []any, scalars) to the
// ordered form, inserting map keys in sorted order. It copies, so the
// caller's map is never modified.
func fromGo(v any) any {
	switch x := v.(type) {
	case map[string]any:
		o := newObject()
		for _, k := range slices.Sorted(mapsKeys(x)) {
			o.put(k, fromGo(x[k]))
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromGo(e)
		}
		return out
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	}
	return v
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// toGo converts the ordered form back to plain decoded JSON.
func toGo(v any) any {
	switch x := v.(type) {
	case *object:
		m := make(map[string]any, len(x.vals))
		for k, e := range x.vals {
			m[k] = toGo(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toGo(e)
		}
		return out
	}
	return v
}

// decodeOrdered parses one JSON object keeping key order and numbers as
// json.Number.
func decodeOrdered(raw []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	o, ok := v.(*object)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return o, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %v", kt)
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.put(k, v)
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token() // ']'
			return arr, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// dropAll applies drop to a tree in place, also shrinking lists, and
// returns the cleaned value (nil when the whole value is dropped).
func dropAll(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return x
	case *object:
		for k, e := range x.vals {
			if c := dropAll(e); c == nil {
				delete(x.vals, k)
			} else {
				x.vals[k] = c
			}
		}
		if len(x.vals) == 0 {
			return nil
		}
		return x
	case []any:
		out := x[:0]
		for _, e := range x {
			if c := dropAll(e); c != nil {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

// javaHash is java.lang.String.hashCode over UTF-16 code units.
func javaHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// spread is HashMap.hash: h ^ (h >>> 16).
func spread(s string) uint32 {
	h := uint32(javaHash(s))
	return h ^ (h >> 16)
}

// hashMapOrder returns the live keys of o in the order a java.util.HashMap
// filled with o.keys (in that order) iterates them.
func hashMapOrder(o *object) []string {
	hashes := make([]uint32, len(o.keys))
	capacity := 16
	for i, k := range o.keys {
		h := spread(k)
		hashes[i] = h
		// putVal walks the bucket; with 8 or more nodes already in it,
		// treeifyBin resizes instead while the table is under 64 slots.
		n := 0
		for _, p := range hashes[:i] {
			if p&uint32(capacity-1) == h&uint32(capacity-1) {
				n++
			}
		}
		if n >= 8 && capacity < 64 {
			capacity *= 2
		}
		if i+1 > capacity*3/4 {
			capacity *= 2
		}
	}
	type entry struct {
		key    string
		bucket uint32
	}
	var live []entry
	for i, k := range o.keys {
		if _, ok := o.vals[k]; ok {
			live = append(live, entry{k, hashes[i] & uint32(capacity-1)})
		}
	}
	// Resizing splits each bucket keeping relative order, so the final order
	// is by bucket, then by insertion.
	slices.SortStableFunc(live, func(a, b entry) int {
		switch {
		case a.bucket < b.bucket:
			return -1
		case a.bucket > b.bucket:
			return 1
		}
		return 0
	})
	keys := make([]string, len(live))
	for i, e := range live {
		keys[i] = e.key
	}
	return keys
}

// javaString renders a value as Java's toString would after Elasticsearch
// parsed the JSON into HashMaps, ArrayLists, Strings, Booleans and Numbers.
func javaString(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, k := range hashMapOrder(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeJava(b, x.vals[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteByte(']')
	case string:
		b.WriteString(x)
	case json.Number:
		b.WriteString(javaNumber(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	default:
		fmt.Fprint(b, x)
	}
}

// javaNumber prints a JSON number as Java prints the Integer, Long,
// BigInteger or Double that Jackson makes of it.
func javaNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, ok := new(big.Int).SetString(s, 10); ok {
			return i.String()
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return javaDouble(f)
}

// javaDouble is Double.toString (JDK 19+: the shortest digits that round
// trip): plain notation with at least one fractional digit for magnitudes
// in [1e-3, 1e7), else d.dddE±n.
func javaDouble(f float64) string {
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1.5e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// javaLength is String.length(): UTF-16 code units.
func javaLength(s string) int { return len(utf16.Encode([]rune(s))) }
