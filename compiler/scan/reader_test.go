package scan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/scan"
)

// readAll reads every record and error; records are rendered as
// "#index raw | key=value..." and errors as "error line:col: msg".
func readAll(t testing.TB, data []byte, lines bool, keys ...string) []string {
	t.Helper()
	rd, err := scan.NewReader(bytes.NewReader(data), lines, keys)
	require.NoError(t, err)
	var out []string
	for range 10000 {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var se *scan.SyntaxError
			require.True(t, errors.As(err, &se), "%v", err)
			kind := "error"
			if se.Fatal {
				kind = "fatal"
			}
			out = append(out, fmt.Sprintf("%s %s", kind, se))
			continue
		}
		s := fmt.Sprintf("#%d %s", rec.Index, rec.Raw)
		if rec.Line > 0 {
			s = fmt.Sprintf("L%d %s", rec.Line, rec.Raw)
		}
		for i, k := range keys {
			if rec.Values[i] != nil {
				s += fmt.Sprintf(" | %s=%s", k, rec.Values[i])
			}
		}
		if rec.EscapedKey {
			s += " | escaped key"
		}
		out = append(out, s)
	}
	t.Fatal("reader does not end")
	return nil
}

func TestReader(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lines bool
		want  []string
	}{
		{name: "cloudtrail document", in: `{"Records":[{"eventName":"A","x":{"y":[1,"}"]}}, {"eventName" : "B"}]}`,
			want: []string{`#1 {"eventName":"A","x":{"y":[1,"}"]}} | eventName="A"`, `#2 {"eventName" : "B"} | eventName="B"`}},
		{name: "empty records", in: `{"Records":[]}`, want: nil},
		{name: "keys around records", in: `{"a":{"b":1},"Records":[{"eventName":"A"}],"digest":"x"}`,
			want: []string{`#1 {"eventName":"A"} | eventName="A"`}},
		{name: "one record", in: "\ufeff" + `{"eventName":"A","eventSource":"s3.amazonaws.com"}`,
			want: []string{`#1 {"eventName":"A","eventSource":"s3.amazonaws.com"} | eventName="A" | eventSource="s3.amazonaws.com"`}},
		{name: "array", in: `[{"eventName":"A"},{"eventName":null}]`,
			want: []string{`#1 {"eventName":"A"} | eventName="A"`, `#2 {"eventName":null} | eventName=null`}},
		{name: "concatenated documents", in: "{\"Records\":[{\"eventName\":\"A\"}]}\n{\"eventName\":\"B\"}\n",
			want: []string{`#1 {"eventName":"A"} | eventName="A"`, `#2 {"eventName":"B"} | eventName="B"`}},
		{name: "nested keys are not top-level", in: `{"Records":[{"x":{"eventName":"A"},"eventName":"B"}]}`,
			want: []string{`#1 {"x":{"eventName":"A"},"eventName":"B"} | eventName="B"`}},
		{name: "duplicate key: the last wins", in: `{"eventName":"A","eventName":"B"}`,
			want: []string{`#1 {"eventName":"A","eventName":"B"} | eventName="B"`}},
		{name: "escaped key", in: `{"event\u004eame":"A"}`, want: []string{`#1 {"event\u004eame":"A"} | escaped key`}},
		{name: "escaped quotes in strings", in: `{"Records":[{"m":"a\"}\\","eventName":"A\\"}]}`,
			want: []string{`#1 {"m":"a\"}\\","eventName":"A\\"} | eventName="A\\"`}},
		{name: "cut document", in: "{\"Records\":[\n{\"eventName\":\"A\"},\n{\"eventName\":\"B",
			want: []string{`#1 {"eventName":"A"} | eventName="A"`, "fatal 3:16: unexpected end of file"}},
		{name: "mismatched brackets", in: `{"Records":[{"a":[1}]}`, want: []string{"fatal 1:20: mismatched \"}\""}},
		{name: "bad literal", in: `{"Records":[{"a":tru}]}`, want: []string{"fatal 1:18: invalid value \"tru\""}},
		{name: "record not an object", in: `{"Records":[1]}`, want: []string{"fatal 1:13: a record must be a JSON object, found \"1\""}},
		{name: "missing comma", in: `{"Records":[{"a":1} {"a":2}]}`, want: []string{`#1 {"a":1}`, "fatal 1:21: expected , or ] after a record, found \"{\""}},
		{name: "not json", in: `hello`, want: []string{"fatal 1:1: expected a JSON object or array, found \"h\""}},
		{name: "ndjson", lines: true, in: "{\"eventName\":\"A\"}\r\n\n  {\"eventName\":\"B\"}  \n{\"eventName\":\"C\"}",
			want: []string{`L1 {"eventName":"A"} | eventName="A"`, `L3 {"eventName":"B"} | eventName="B"`, `L4 {"eventName":"C"} | eventName="C"`}},
		{name: "ndjson bad lines are skipped", lines: true, in: "{\"eventName\":\"A\"}\n{\"eventName\":\n[1]\n{\"a\":1} x\n{\"eventName\":\"B\"}\n",
			want: []string{`L1 {"eventName":"A"} | eventName="A"`, "error 2:14: unexpected end of line", "error 3:1: expected a JSON object, found \"[\"",
				"error 4:9: unexpected data after the JSON object", `L5 {"eventName":"B"} | eventName="B"`}},
		{name: "ndjson line holding a document", lines: true, in: "{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]}\n{\"eventName\":\"C\"}\n",
			want: []string{`L1 {"eventName":"A"} | eventName="A"`, `L1 {"eventName":"B"} | eventName="B"`, `L2 {"eventName":"C"} | eventName="C"`}},
		{name: "ndjson string across lines", lines: true, in: "{\"eventName\":\"A\n\"}\n{\"eventName\":\"B\"}\n",
			want: []string{"error 1:16: unexpected end of line", "error 2:1: expected a JSON object, found \"\\\"\"", `L3 {"eventName":"B"} | eventName="B"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, readAll(t, []byte(tt.in), tt.lines, "eventName", "eventSource"))
			// Gzip and tiny reads give the same records.
			assert.Equal(t, tt.want, readAll(t, gz(t, tt.in), tt.lines, "eventName", "eventSource"), "gzip")
		})
	}
}

// TestReaderLargeRecords crosses the reader's buffer many times.
func TestReaderLargeRecords(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	big := strings.Repeat("x", 200<<10)
	for i := range 20 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"pad":"%s","eventName":"E%d","nested":{"a":[%q]}}`, big[:i*(5<<10)], i, big[:i*(7<<10)])
	}
	b.WriteString("]}")
	got := readAll(t, gz(t, b.String()), false, "eventName")
	require.Len(t, got, 20)
	for i, s := range got {
		assert.True(t, strings.HasSuffix(s, fmt.Sprintf(`| eventName="E%d"`, i)), "record %d", i)
	}
}

func TestReaderTruncatedGzip(t *testing.T) {
	data := gz(t, `{"Records":[{"eventName":"A"},{"eventName":"B"}]}`)
	got := readAll(t, data[:len(data)-6], false, "eventName")
	require.NotEmpty(t, got)
	assert.Regexp(t, `^fatal \d+:\d+: unexpected EOF$`, got[len(got)-1])

	_, err := scan.NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0}), false, nil)
	assert.ErrorContains(t, err, "gzip")
}

// FuzzReader checks the reader against encoding/json: on a CloudTrail
// document that encoding/json accepts, the reader yields exactly its
// records, each decoding to the same value; on anything else it never
// panics or loops.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		`{"Records":[{"eventName":"A","x":{"y":[1,"}"]}},{"eventName":"B"}]}`,
		`{"Records":[]}`, `[{"a":1}]`, `{"a":"\"","Records":[{"b":[[],{}]}]}`, `{"Records":[{"a":tru}]}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s+"\n"+s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, lines bool) {
		got := readAll(t, data, lines, "eventName")
		if lines {
			return
		}
		var doc struct {
			Records []json.RawMessage
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		if dec.Decode(&doc) != nil || len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 || !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(`{"Records":[`)) {
			return
		}
		for _, r := range doc.Records {
			if !bytes.HasPrefix(bytes.TrimSpace(r), []byte("{")) {
				return
			}
		}
		require.Len(t, got, len(doc.Records), "%q", data)
		rd, err := scan.NewReader(bytes.NewReader(data), false, nil)
		require.NoError(t, err)
		for _, want := range doc.Records {
			rec, err := rd.Next()
			require.NoError(t, err)
			var a, b any
			require.NoError(t, json.Unmarshal(want, &a))
			require.NoError(t, json.Unmarshal(rec.Raw, &b), "%q", rec.Raw)
			assert.Equal(t, a, b)
		}
	})
}
