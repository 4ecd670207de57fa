// Package kibanatest is an in-process fake of Kibana's Security Detections
// API for tests. It keeps rules per space in memory, answers the way Kibana
// does (including its two error body shapes, 400/401/403/404/409 and
// 429 with Retry-After), can be told to fail a request with any status or to
// drop the connection, and validates every request against Kibana's own
// OpenAPI bundle when ../shared/corpus holds it, else against a compact
// schema derived from that bundle (schema.json).
package kibanatest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/sigforge/sigforge/compiler/corpus"
)

// Fault makes matching requests fail. Method and Path ("" = any) select the
// requests (Path without the space prefix); Times is how many requests fail
// (0 = one).
type Fault struct {
	Method     string
	Path       string
	Times      int
	Status     int    // HTTP status to answer with
	RetryAfter string // Retry-After header value
	Drop       bool   // close the connection without answering
	// After lets this many matching requests through before failing.
	After int
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  string
	Status int
	Header http.Header
	Body   []byte
}

// Server is the fake Kibana.
type Server struct {
	*httptest.Server
	// Auth is the Authorization header value required ("" = none).
	Auth string
	// ReadOnlyAuth, when set, is accepted for reads and gets 403 on writes.
	ReadOnlyAuth string

	validator Validator
	mu        sync.Mutex
	spaces    map[string]*store
	faults    []*Fault
	requests  []Request
	invalid   []string
	clock     time.Time
}

type store struct {
	rules map[string]map[string]any // by rule_id
}

// New starts a fake that requires auth (an "ApiKey ..." or "Basic ..."
// header value; "" accepts any request). It closes itself when the test
// ends.
func New(t testing.TB, auth string) *Server {
	t.Helper()
	s, err := Start(auth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake outside a Go test (testscript commands); the caller
// closes it. Requests are validated against Kibana's OpenAPI bundle when
// ../shared/corpus (or SIGFORGE_CORPUS) holds it, else against schema.json.
func Start(auth string) (*Server, error) {
	s := &Server{Auth: auth, spaces: map[string]*store{}, clock: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	if path, ok := corpus.Path(SpecFile); ok {
		v, err := NewOpenAPIValidator(path)
		if err != nil {
			return nil, fmt.Errorf("kibanatest: loading %s: %w", path, err)
		}
		s.validator = v
	} else {
		v, err := NewCompactValidator()
		if err != nil {
			return nil, fmt.Errorf("kibanatest: compact schema: %w", err)
		}
		s.validator = v
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Validator returns the validator in use.
func (s *Server) Validator() Validator { return s.validator }

// AddFault queues a fault.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Invalid returns the requests that failed validation against the API
// description, as messages.
func (s *Server) Invalid() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.invalid)
}

// Rules returns a copy of the rules of a space, by rule_id.
func (s *Server) Rules(space string) map[string]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]any{}
	for id, r := range s.space(space).rules {
		out[id] = clone(r)
	}
	return out
}

// Seed stores a rule as if someone had created it in Kibana.
func (s *Server) Seed(space string, doc map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.space(space).rules[doc["rule_id"].(string)] = s.complete(clone(doc), nil)
}

func (s *Server) space(name string) *store {
	st, ok := s.spaces[name]
	if !ok {
		st = &store{rules: map[string]map[string]any{}}
		s.spaces[name] = st
	}
	return st
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	space, path := stripSpace(r.URL.Path)
	rec := &recorder{ResponseWriter: w, status: 200}
	defer func() {
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Status: rec.status, Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()
	}()
	if f := s.takeFault(r.Method, path); f != nil {
		if f.Drop {
			rec.status = 0
			hj, ok := w.(http.Hijacker)
			if !ok {
				panic("kibanatest: cannot drop the connection")
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		platformError(rec, f.Status, fmt.Sprintf("fault injected by the test (%d)", f.Status))
		return
	}
	if s.Auth != "" {
		got := r.Header.Get("Authorization")
		switch {
		case got == s.Auth:
		case s.ReadOnlyAuth != "" && got == s.ReadOnlyAuth:
			if r.Method != http.MethodGet && !(r.Method == http.MethodPost && strings.HasSuffix(path, "/_export")) {
				platformError(rec, 403, "API [POST /api/detection_engine/rules] is unauthorized for the user, this action is granted by the Kibana privileges [securitySolution-rules-all]")
				return
			}
		default:
			platformError(rec, 401, "[security_exception]: unable to authenticate user")
			return
		}
	}
	if r.Method != http.MethodGet && r.Header.Get("kbn-xsrf") == "" {
		platformError(rec, 400, "Request must contain a kbn-xsrf header.")
		return
	}
	if v := r.Header.Get("elastic-api-version"); v != "" && v != "2023-10-31" {
		platformError(rec, 400, fmt.Sprintf("Invalid version. Received %q, expected one of: \"2023-10-31\"", v))
		return
	}
	if err := s.validator.ValidateRequest(r, path, body); err != nil {
		s.mu.Lock()
		s.invalid = append(s.invalid, err.Error())
		s.mu.Unlock()
		platformError(rec, 400, "[request body]: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.space(space)
	q := r.URL.Query()
	switch r.Method + " " + path {
	case "GET /api/detection_engine/rules":
		rule, ok := st.rules[q.Get("rule_id")]
		if !ok {
			siemError(rec, 404, fmt.Sprintf("rule_id: %q not found", q.Get("rule_id")))
			return
		}
		writeJSON(rec, 200, rule)
	case "POST /api/detection_engine/rules":
		doc := decode(body)
		id, _ := doc["rule_id"].(string)
		if id == "" {
			id = uuid.NewString()
			doc["rule_id"] = id
		}
		if _, exists := st.rules[id]; exists {
			siemError(rec, 409, fmt.Sprintf("rule_id: %q already exists", id))
			return
		}
		st.rules[id] = s.complete(doc, nil)
		writeJSON(rec, 200, st.rules[id])
	case "PUT /api/detection_engine/rules", "PATCH /api/detection_engine/rules":
		doc := decode(body)
		id, _ := doc["rule_id"].(string)
		old, ok := st.rules[id]
		if !ok {
			siemError(rec, 404, fmt.Sprintf("rule_id: %q not found", id))
			return
		}
		if r.Method == http.MethodPatch {
			merged := clone(old)
			for k, v := range doc {
				merged[k] = v
			}
			doc = merged
		}
		st.rules[id] = s.complete(doc, old)
		writeJSON(rec, 200, st.rules[id])
	case "DELETE /api/detection_engine/rules":
		rule, ok := st.rules[q.Get("rule_id")]
		if !ok {
			siemError(rec, 404, fmt.Sprintf("rule_id: %q not found", q.Get("rule_id")))
			return
		}
		delete(st.rules, q.Get("rule_id"))
		writeJSON(rec, 200, rule)
	case "GET /api/detection_engine/rules/_find":
		s.find(rec, st, q)
	case "POST /api/detection_engine/rules/_bulk_action":
		s.bulk(rec, st, decode(body))
	case "POST /api/detection_engine/rules/_import":
		s.importRules(rec, st, r, body)
	case "POST /api/detection_engine/rules/_export":
		s.export(rec, st, body, q.Get("exclude_export_details") == "true")
	default:
		platformError(rec, 404, "Not Found")
	}
}

// complete adds what Kibana adds to a stored rule.
func (s *Server) complete(doc, old map[string]any) map[string]any {
	s.clock = s.clock.Add(time.Second)
	now := s.clock.Format(time.RFC3339Nano)
	defaults := map[string]any{
		"enabled": false, "interval": "5m", "from": "now-6m", "to": "now", "max_signals": float64(100),
		"exceptions_list": []any{}, "references": []any{}, "false_positives": []any{}, "tags": []any{},
		"threat": []any{}, "author": []any{}, "risk_score_mapping": []any{}, "severity_mapping": []any{},
		"related_integrations": []any{}, "required_fields": []any{}, "setup": "", "actions": []any{},
	}
	for k, v := range defaults {
		if _, ok := doc[k]; !ok {
			doc[k] = v
		}
	}
	doc["immutable"] = false
	doc["rule_source"] = map[string]any{"type": "internal"}
	doc["updated_at"] = now
	doc["updated_by"] = "elastic"
	if old == nil {
		doc["id"] = uuid.NewString()
		doc["created_at"] = now
		doc["created_by"] = "elastic"
		doc["revision"] = float64(0)
		if _, ok := doc["version"]; !ok {
			doc["version"] = float64(1)
		}
		return doc
	}
	doc["id"] = old["id"]
	doc["created_at"] = old["created_at"]
	doc["created_by"] = old["created_by"]
	rev, _ := old["revision"].(float64)
	doc["revision"] = rev + 1
	if _, ok := doc["version"]; !ok {
		v, _ := old["version"].(float64)
		doc["version"] = v + 1
	}
	return doc
}

func (s *Server) find(w http.ResponseWriter, st *store, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	match := func(map[string]any) bool { return true }
	if f := get("filter"); f != "" {
		tag, ok := strings.CutPrefix(f, "alert.attributes.tags:")
		if !ok {
			platformError(w, 400, "kibanatest supports only alert.attributes.tags:<tag> filters, got "+f)
			return
		}
		tag = strings.Trim(tag, `"`)
		match = func(r map[string]any) bool { return slices.Contains(toStrings(r["tags"]), tag) }
	}
	var all []map[string]any
	for _, r := range st.rules {
		if match(r) {
			all = append(all, r)
		}
	}
	slices.SortFunc(all, func(a, b map[string]any) int {
		return strings.Compare(fmt.Sprint(a["name"], a["rule_id"]), fmt.Sprint(b["name"], b["rule_id"]))
	})
	page, perPage := atoiOr(get("page"), 1), atoiOr(get("per_page"), 20)
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	writeJSON(w, 200, map[string]any{"page": page, "perPage": perPage, "total": len(all), "data": all[start:end]})
}

func (s *Server) bulk(w http.ResponseWriter, st *store, body map[string]any) {
	action, _ := body["action"].(string)
	ids := toStrings(body["ids"])
	var hit []string
	for rid, r := range st.rules {
		if len(ids) == 0 || slices.Contains(ids, r["id"].(string)) {
			hit = append(hit, rid)
		}
	}
	slices.Sort(hit)
	for _, rid := range hit {
		switch action {
		case "delete":
			delete(st.rules, rid)
		case "enable":
			st.rules[rid]["enabled"] = true
		case "disable":
			st.rules[rid]["enabled"] = false
		}
	}
	writeJSON(w, 200, map[string]any{
		"success": true, "rules_count": len(hit),
		"attributes": map[string]any{"summary": map[string]any{"failed": 0, "succeeded": len(hit), "skipped": 0, "total": len(hit)}, "errors": []any{}},
	})
}

func (s *Server) importRules(w http.ResponseWriter, st *store, r *http.Request, body []byte) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		platformError(w, 400, "expected multipart/form-data")
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var file []byte
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		if part.FormName() == "file" {
			file, _ = io.ReadAll(part)
		}
	}
	overwrite := r.URL.Query().Get("overwrite") == "true"
	var errs []any
	success := 0
	sc := bufio.NewScanner(bytes.NewReader(file))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		doc := decode(line)
		id, _ := doc["rule_id"].(string)
		if err := ValidateRuleDocument(line); err != nil {
			errs = append(errs, map[string]any{"rule_id": id, "error": map[string]any{"status_code": 400, "message": err.Error()}})
			continue
		}
		old, exists := st.rules[id]
		if exists && !overwrite {
			errs = append(errs, map[string]any{"rule_id": id, "error": map[string]any{"status_code": 409, "message": fmt.Sprintf("rule_id: %q already exists", id)}})
			continue
		}
		if !exists {
			old = nil
		}
		st.rules[id] = s.complete(doc, old)
		success++
	}
	writeJSON(w, 200, map[string]any{"success": len(errs) == 0, "success_count": success, "rules_count": success + len(errs), "errors": nonNil(errs)})
}

func (s *Server) export(w http.ResponseWriter, st *store, body []byte, noDetails bool) {
	var want []string
	if len(body) > 0 {
		var b struct {
			Objects []struct {
				RuleID string `json:"rule_id"`
			} `json:"objects"`
		}
		_ = json.Unmarshal(body, &b)
		for _, o := range b.Objects {
			want = append(want, o.RuleID)
		}
	}
	if want == nil {
		for id := range st.rules {
			want = append(want, id)
		}
		slices.Sort(want)
	}
	var buf bytes.Buffer
	n := 0
	for _, id := range want {
		r, ok := st.rules[id]
		if !ok {
			continue
		}
		line, _ := json.Marshal(r)
		buf.Write(line)
		buf.WriteByte('\n')
		n++
	}
	if !noDetails {
		line, _ := json.Marshal(map[string]any{"exported_rules_count": n, "missing_rules_count": len(want) - n})
		buf.Write(line)
		buf.WriteByte('\n')
	}
	w.Header().Set("Content-Type", "application/ndjson")
	w.WriteHeader(200)
	w.Write(buf.Bytes())
}

func (s *Server) takeFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && (f.Path == "" || f.Path == path) {
			if f.After > 0 {
				f.After--
				return nil
			}
			f.Times--
			if f.Times <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return f
		}
	}
	return nil
}

// platformError writes Kibana's platform error shape.
func platformError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg})
}

// siemError writes the security solution's error shape.
func siemError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status_code": status, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func decode(b []byte) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	return decode(b)
}

func toStrings(v any) []string {
	var out []string
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}
