// Package client is a small client for Kibana's Security Detections API
// (version 2023-10-31): create, read, update, patch and delete rules by
// rule_id, _find, _bulk_action, _import and _export. Kibana's API is not part
// of go-elasticsearch, so this is plain net/http.
//
// Every request carries kbn-xsrf and elastic-api-version. Credentials (an API
// key or basic auth) are only ever put in the Authorization header: they are
// never part of an error, a log line or a String() result. Requests that fail
// with 429, 502, 503 or 504, or whose connection is reset, are retried with
// exponential backoff and jitter, honouring Retry-After. Non-idempotent
// requests (POST create, _import, _bulk_action) are retried only when Kibana
// said it did not process them (429, 503) or when the connection failed before
// any response; callers handle the 409 a retried create may meet.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// APIVersion is the Security Detections API version this client speaks.
const APIVersion = "2023-10-31"

// Config configures a Client.
type Config struct {
	// URL is Kibana's base URL, e.g. https://kibana.example.com:5601.
	URL string
	// Space is the Kibana space; "" or "default" is the default space.
	Space string
	// APIKey is an encoded API key (sent as "Authorization: ApiKey <key>").
	APIKey string
	// Username and Password are used for basic auth when APIKey is empty.
	Username string
	Password string
	// CAFile is a PEM file of extra CAs to trust.
	CAFile string
	// Insecure disables TLS verification (never the default).
	Insecure bool
	// Timeout bounds each HTTP attempt; default 30s.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt; default 4.
	MaxRetries int
	// Backoff is the first retry delay; default 500ms. It doubles per retry
	// (capped at 30s) and gets up to 50% jitter.
	Backoff time.Duration
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Sleep overrides time.Sleep between retries (tests).
	Sleep func(context.Context, time.Duration) error
	// Log, when set, receives one line per retry. It never sees credentials.
	Log func(msg string)
}

// ConfigFromEnv fills a Config from SIGFORGE_KIBANA_URL, SIGFORGE_KIBANA_SPACE,
// SIGFORGE_KIBANA_API_KEY, SIGFORGE_KIBANA_USERNAME, SIGFORGE_KIBANA_PASSWORD
// and SIGFORGE_KIBANA_CA_FILE.
func ConfigFromEnv() Config {
	return Config{
		URL:      os.Getenv("SIGFORGE_KIBANA_URL"),
		Space:    os.Getenv("SIGFORGE_KIBANA_SPACE"),
		APIKey:   os.Getenv("SIGFORGE_KIBANA_API_KEY"),
		Username: os.Getenv("SIGFORGE_KIBANA_USERNAME"),
		Password: os.Getenv("SIGFORGE_KIBANA_PASSWORD"),
		CAFile:   os.Getenv("SIGFORGE_KIBANA_CA_FILE"),
	}
}

// Client talks to one Kibana space.
type Client struct {
	base  *url.URL
	cfg   Config
	http  *http.Client
	auth  string
	sleep func(context.Context, time.Duration) error
}

// New checks the configuration and builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("kibana: no URL (set --kibana-url or SIGFORGE_KIBANA_URL)")
	}
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("kibana: %q is not an absolute URL", cfg.URL)
	}
	if base.User != nil {
		return nil, errors.New("kibana: put credentials in the API key or username/password settings, not in the URL")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	c := &Client{base: base, cfg: cfg, sleep: cfg.Sleep}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	switch {
	case cfg.APIKey != "":
		c.auth = "ApiKey " + cfg.APIKey
	case cfg.Username != "":
		c.auth = "Basic " + basicAuth(cfg.Username, cfg.Password)
	}
	transport := cfg.Transport
	if transport == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // opt-in only
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("kibana: CA file: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("kibana: CA file %s holds no PEM certificate", cfg.CAFile)
			}
			tlsCfg.RootCAs = pool
		}
		tr.TLSClientConfig = tlsCfg
		transport = tr
	}
	c.http = &http.Client{Transport: transport, Timeout: cfg.Timeout}
	return c, nil
}

// String describes the client without credentials.
func (c *Client) String() string {
	return fmt.Sprintf("kibana %s (space %s)", c.base.Redacted(), c.space())
}

func (c *Client) space() string {
	if c.cfg.Space == "" {
		return "default"
	}
	return c.cfg.Space
}

// Rule is a rule document as Kibana returns it.
type Rule map[string]any

// RuleID returns the document's rule_id.
func (r Rule) RuleID() string { s, _ := r["rule_id"].(string); return s }

// APIError is an error response from Kibana.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Kind       string // "Bad Request", "Conflict", ...
	Message    string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("kibana: %s %s: %d %s", e.Method, e.Path, e.StatusCode, oneLine(msg))
}

// IsNotFound reports whether err is a 404 from Kibana.
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsConflict reports whether err is a 409 from Kibana.
func IsConflict(err error) bool { return statusIs(err, http.StatusConflict) }

func statusIs(err error, code int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == code
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// ReadRule fetches a rule by rule_id.
func (c *Client) ReadRule(ctx context.Context, ruleID string) (Rule, error) {
	var r Rule
	err := c.doJSON(ctx, http.MethodGet, "/api/detection_engine/rules", url.Values{"rule_id": {ruleID}}, nil, &r, true)
	return r, err
}

// CreateRule creates a rule.
func (c *Client) CreateRule(ctx context.Context, rule Rule) (Rule, error) {
	var r Rule
	err := c.doJSON(ctx, http.MethodPost, "/api/detection_engine/rules", nil, rule, &r, false)
	return r, err
}

// UpdateRule replaces a rule (PUT), matched by the rule_id in the document.
func (c *Client) UpdateRule(ctx context.Context, rule Rule) (Rule, error) {
	var r Rule
	err := c.doJSON(ctx, http.MethodPut, "/api/detection_engine/rules", nil, rule, &r, true)
	return r, err
}

// PatchRule changes some fields of a rule; patch must hold rule_id.
func (c *Client) PatchRule(ctx context.Context, patch Rule) (Rule, error) {
	var r Rule
	err := c.doJSON(ctx, http.MethodPatch, "/api/detection_engine/rules", nil, patch, &r, true)
	return r, err
}

// DeleteRule deletes a rule by rule_id.
func (c *Client) DeleteRule(ctx context.Context, ruleID string) error {
	return c.doJSON(ctx, http.MethodDelete, "/api/detection_engine/rules", url.Values{"rule_id": {ruleID}}, nil, nil, true)
}

// FindOptions are the _find parameters.
type FindOptions struct {
	Filter    string // KQL over alert.attributes.*, e.g. alert.attributes.tags:"sigforge"
	SortField string
	Page      int
	PerPage   int
}

// FindResult is one page of _find.
type FindResult struct {
	Page    int    `json:"page"`
	PerPage int    `json:"perPage"`
	Total   int    `json:"total"`
	Data    []Rule `json:"data"`
}

// FindRules returns one page of rules.
func (c *Client) FindRules(ctx context.Context, opts FindOptions) (FindResult, error) {
	q := url.Values{}
	if opts.Filter != "" {
		q.Set("filter", opts.Filter)
	}
	if opts.SortField != "" {
		q.Set("sort_field", opts.SortField)
	}
	if opts.Page > 0 {
		q.Set("page", strconv.Itoa(opts.Page))
	}
	if opts.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(opts.PerPage))
	}
	var res FindResult
	err := c.doJSON(ctx, http.MethodGet, "/api/detection_engine/rules/_find", q, nil, &res, true)
	return res, err
}

// FindAll pages through _find and returns every rule matching filter.
func (c *Client) FindAll(ctx context.Context, filter string) ([]Rule, error) {
	const perPage = 100
	var all []Rule
	for page := 1; ; page++ {
		res, err := c.FindRules(ctx, FindOptions{Filter: filter, SortField: "name", Page: page, PerPage: perPage})
		if err != nil {
			return nil, err
		}
		all = append(all, res.Data...)
		if len(res.Data) < perPage || len(all) >= res.Total {
			return all, nil
		}
	}
}

// BulkResult is the summary of a _bulk_action.
type BulkResult struct {
	Success    bool `json:"success"`
	RulesCount int  `json:"rules_count"`
	Attributes struct {
		Summary struct {
			Failed    int `json:"failed"`
			Succeeded int `json:"succeeded"`
			Skipped   int `json:"skipped"`
			Total     int `json:"total"`
		} `json:"summary"`
		Errors []struct {
			Message    string `json:"message"`
			StatusCode int    `json:"status_code"`
			Rules      []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"rules"`
		} `json:"errors"`
	} `json:"attributes"`
}

// BulkAction runs enable, disable, delete, duplicate or export over rules
// selected by their Kibana object ids (not rule_id) or a KQL query.
func (c *Client) BulkAction(ctx context.Context, action string, ids []string, query string) (BulkResult, error) {
	body := map[string]any{"action": action}
	if len(ids) > 0 {
		body["ids"] = ids
	}
	if query != "" {
		body["query"] = query
	}
	var res BulkResult
	err := c.doJSON(ctx, http.MethodPost, "/api/detection_engine/rules/_bulk_action", nil, body, &res, false)
	return res, err
}

// ImportResult is the answer of _import.
type ImportResult struct {
	Success      bool `json:"success"`
	SuccessCount int  `json:"success_count"`
	Errors       []struct {
		RuleID string `json:"rule_id"`
		Error  struct {
			StatusCode int    `json:"status_code"`
			Message    string `json:"message"`
		} `json:"error"`
	} `json:"errors"`
}

// Import posts an NDJSON file of rules to _import.
func (c *Client) Import(ctx context.Context, ndjson []byte, overwrite bool) (ImportResult, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "rules.ndjson")
	if err != nil {
		return ImportResult{}, err
	}
	if _, err := fw.Write(ndjson); err != nil {
		return ImportResult{}, err
	}
	if err := mw.Close(); err != nil {
		return ImportResult{}, err
	}
	q := url.Values{"overwrite": {strconv.FormatBool(overwrite)}}
	var res ImportResult
	resp, err := c.do(ctx, http.MethodPost, "/api/detection_engine/rules/_import", q, mw.FormDataContentType(), buf.Bytes(), false)
	if err != nil {
		return res, err
	}
	err = decodeBody(resp, &res)
	return res, err
}

// Export returns the NDJSON export of the given rules (all rules when
// ruleIDs is empty), without the export summary line.
func (c *Client) Export(ctx context.Context, ruleIDs []string) ([]byte, error) {
	var body any
	if len(ruleIDs) > 0 {
		objs := make([]map[string]string, len(ruleIDs))
		for i, id := range ruleIDs {
			objs[i] = map[string]string{"rule_id": id}
		}
		body = map[string]any{"objects": objs}
	}
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	q := url.Values{"exclude_export_details": {"true"}}
	resp, err := c.do(ctx, http.MethodPost, "/api/detection_engine/rules/_export", q, "application/json", raw, true)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func (c *Client) doJSON(ctx context.Context, method, path string, q url.Values, in, out any, idempotent bool) error {
	var raw []byte
	if in != nil {
		var err error
		if raw, err = json.Marshal(in); err != nil {
			return err
		}
	}
	ctype := ""
	if raw != nil {
		ctype = "application/json"
	}
	resp, err := c.do(ctx, method, path, q, ctype, raw, idempotent)
	if err != nil {
		return err
	}
	return decodeBody(resp, out)
}

func decodeBody(resp *http.Response, out any) error {
	defer resp.Body.Close()
	if out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("kibana: %s %s: reading the answer: %w", resp.Request.Method, resp.Request.URL.Path, err)
	}
	return nil
}

// do sends a request with retries and returns a 2xx response; any other
// status becomes an *APIError.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, ctype string, body []byte, idempotent bool) (*http.Response, error) {
	u := *c.base
	prefix := ""
	if s := c.space(); s != "default" {
		prefix = "/s/" + url.PathEscape(s)
	}
	u.Path = strings.TrimRight(u.Path, "/") + prefix + path
	u.RawQuery = q.Encode()
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body == nil {
			req.Body = http.NoBody
		}
		req.Header.Set("kbn-xsrf", "sigforge")
		req.Header.Set("elastic-api-version", APIVersion)
		req.Header.Set("Accept", "application/json")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := c.http.Do(req)
		var wait time.Duration
		var reason string
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !retryableNetErr(err, idempotent) || attempt >= c.cfg.MaxRetries {
				return nil, fmt.Errorf("kibana: %s %s: %s", method, path, scrub(err))
			}
			reason = "connection failed"
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return resp, nil
		default:
			apiErr := readAPIError(resp, method, path)
			retryable := resp.StatusCode == 429 || resp.StatusCode == 503 ||
				(idempotent && (resp.StatusCode == 502 || resp.StatusCode == 504))
			if !retryable || attempt >= c.cfg.MaxRetries {
				return nil, apiErr
			}
			wait = retryAfter(resp.Header.Get("Retry-After"))
			reason = strconv.Itoa(resp.StatusCode)
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if c.cfg.Log != nil {
			c.cfg.Log(fmt.Sprintf("kibana: %s %s: %s, retrying in %s (%d/%d)", method, path, reason, wait.Round(time.Millisecond), attempt+1, c.cfg.MaxRetries))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.Backoff << attempt
	if d > 30*time.Second || d <= 0 {
		d = 30 * time.Second
	}
	return d + time.Duration(rand.Int64N(int64(d)/2+1))
}

// retryableNetErr: a reset or refused connection, or a timeout on an
// idempotent request. A non-idempotent request is retried only when the
// request surely never reached Kibana (connection refused).
func retryableNetErr(err error, idempotent bool) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	if !idempotent {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// scrub removes the URL's query from a transport error (it holds no secret,
// but keeps messages short) and never includes headers.
func scrub(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, 5*time.Minute)
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(time.Until(t), 0), 5*time.Minute)
	}
	return 0
}

// readAPIError reads both error shapes Kibana returns:
// {"statusCode":400,"error":"Bad Request","message":"..."} and
// {"status_code":409,"message":"..."}.
func readAPIError(resp *http.Response, method, path string) *APIError {
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
	var body struct {
		StatusCode  int    `json:"statusCode"`
		StatusCode2 int    `json:"status_code"`
		Error       string `json:"error"`
		Message     string `json:"message"`
	}
	if json.Unmarshal(raw, &body) == nil {
		e.Kind = body.Error
		e.Message = body.Message
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(raw))
	}
	return e
}

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
