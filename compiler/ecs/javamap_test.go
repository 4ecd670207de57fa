package ecs

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJavaHash(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int32
	}{
		{"", 0},
		{"hello", 99162322},
		{"Aa", 2112}, {"BB", 2112}, // the classic collision
		{"😀", 0xD83D*31 + 0xDE00}, // a surrogate pair hashes as two UTF-16 units
	} {
		assert.Equal(t, tc.want, javaHash(tc.in), tc.in)
	}
}

// The wanted orders were printed by java.util.HashMap (OpenJDK 17) filled
// with the keys in the order given.
func TestHashMapOrderMatchesJava(t *testing.T) {
	for _, tc := range []struct {
		keys, want string
	}{
		{"dBInstanceIdentifier,allowMajorVersionUpgrade,applyImmediately,publiclyAccessible",
			"dBInstanceIdentifier,allowMajorVersionUpgrade,applyImmediately,publiclyAccessible"},
		{"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t"},
		// collisions keep insertion order inside a bucket; 14 keys resize to 32
		{"zeta,Aa,BB,alpha,AaAa,BBBB,AaBB,BBAa,key10,key11,key12,key13,key14,x",
			"zeta,Aa,BB,key11,key10,key14,key13,key12,alpha,x,AaAa,BBBB,AaBB,BBAa"},
		{"k0,k16,k32,k48,k64,k80,k96,k112,k128,k144,k160", "k16,k160,k80,k0,k112,k144,k64,k96,k32,k128,k48"},
		{"été,naïve,😀,plain", "naïve,plain,😀,été"},
	} {
		o := newObject()
		for _, k := range strings.Split(tc.keys, ",") {
			o.put(k, true)
		}
		assert.Equal(t, tc.want, strings.Join(hashMapOrder(o), ","), tc.keys)
	}
}

// Removing entries never shrinks a HashMap: the order of the survivors
// follows the table size reached before the drop.
func TestHashMapOrderAfterDropKeepsCapacity(t *testing.T) {
	o := newObject()
	for i := range 20 {
		o.put(fmt.Sprintf("key%d", i), json.Number("1"))
	}
	for i := 0; i < 20; i += 2 {
		delete(o.vals, fmt.Sprintf("key%d", i))
	}
	assert.Equal(t, "key1,key5,key3,key9,key7,key11,key15,key13,key19,key17", strings.Join(hashMapOrder(o), ","))
}

func TestJavaNumber(t *testing.T) {
	for in, want := range map[string]string{
		"20": "20", "-0": "0", "12345678901234567890": "12345678901234567890",
		"1.0": "1.0", "1e7": "1.0E7", "0.001": "0.001", "1.5e-4": "1.5E-4", "123.456": "123.456", "-2.0": "-2.0",
		"2.5E10": "2.5E10", "0.0": "0.0",
	} {
		assert.Equal(t, want, javaNumber(json.Number(in)), in)
	}
}

func TestJavaStringDropsNullAndEmptyRecursively(t *testing.T) {
	o, err := decodeOrdered([]byte(`{"a":null,"b":"","c":[],"d":{},"e":{"f":null,"g":[""]},"h":[1,null,"x",{}],"i":{"j":false,"k":"v, w"}}`))
	require.NoError(t, err)
	require.NotNil(t, dropAll(o))
	assert.Equal(t, "{h=[1, x], i={j=false, k=v, w}}", javaString(o))
}

func TestDecodeOrderedRejectsBadInput(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"a":1} {}`, `{"a":`, `"x"`} {
		_, err := decodeOrdered([]byte(in))
		assert.Error(t, err, in)
	}
}
