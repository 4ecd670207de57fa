// Package duckdb runs the sql target's duckdb dialect on an embedded DuckDB
// (github.com/duckdb/duckdb-go/v2 with its prebuilt static library, cgo):
// it is the "sql" target's backends.Executor, so `sigforge test --target
// sql` proves every compiled rule on a real SQL engine, and the engine
// behind `sigforge hunt --engine duckdb`.
//
// One in-process database holds a table events(ord, origin, raw) of raw
// CloudTrail records and cloudtrail over it, with the Athena CloudTrail
// table's columns (sql.DuckDBView): a view for a few records, a table built
// once per load for many. DuckDB's json
// extension is statically linked in the bindings (no download is ever
// attempted: autoinstall and autoload of extensions are switched off).
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/sigforge/sigforge/backends"
	sqlb "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/event"
)

// Engine is one in-process DuckDB database with the CloudTrail view.
// Its methods serialize on one connection.
type Engine struct {
	mu           sync.Mutex
	db           *sql.DB
	conn         *sql.Conn
	materialized bool // cloudtrail is a view over cloudtrail_table
}

// Open starts an in-memory DuckDB with an empty events table and the
// cloudtrail view.
func Open() (*Engine, error) { return OpenPath("") }

// OpenPath is Open on a database file (created; "" is in memory): DuckDB
// then keeps what does not fit its memory limit on disk, for archives
// larger than memory.
func OpenPath(path string) (*Engine, error) {
	connector, err := ddb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	e := &Engine{db: db, conn: conn}
	for _, stmt := range []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET TimeZone = 'UTC'",
		"CREATE TABLE events (ord BIGINT, origin VARCHAR, raw VARCHAR)",
		"CREATE VIEW cloudtrail_view AS " + sqlb.DuckDBView("events"),
		"CREATE VIEW cloudtrail_parsed AS " + sqlb.DuckDBParsedView("events"),
		"CREATE VIEW cloudtrail AS SELECT * FROM cloudtrail_view",
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			e.Close()
			return nil, fmt.Errorf("duckdb: %s: %w", stmt, err)
		}
	}
	return e, nil
}

// Close releases the database.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		e.conn.Close()
	}
	return e.db.Close()
}

// Loader appends records to the events table in stream order.
type Loader struct {
	e   *Engine
	app *ddb.Appender
	n   int64
}

// Reset empties the events table and returns a Loader for new records.
// The engine stays locked until the Loader is closed.
func (e *Engine) Reset() (*Loader, error) {
	e.mu.Lock()
	ctx := context.Background()
	if _, err := e.conn.ExecContext(ctx, "DELETE FROM events"); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	l := &Loader{e: e}
	err := e.conn.Raw(func(dc any) error {
		app, err := ddb.NewAppenderFromConn(dc.(driver.Conn), "", "events")
		l.app = app
		return err
	})
	if err != nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("duckdb: appender: %w", err)
	}
	return l, nil
}

// Add appends one raw JSON record (origin names it in alerts).
func (l *Loader) Add(origin string, raw []byte) error {
	err := l.app.AppendRow(l.n, origin, string(raw))
	l.n++
	return err
}

// materializeAt is the number of records from which cloudtrail becomes a
// table (each record parsed once) rather than a view (parsed by every
// query, cheaper for the few records of a fixture).
const materializeAt = 2000

// Close flushes the records, makes cloudtrail a table over them when there
// are many (else a view), and unlocks the engine.
func (l *Loader) Close() error {
	defer l.e.mu.Unlock()
	if err := l.app.Close(); err != nil {
		return err
	}
	ctx := context.Background()
	stmts := []string{"CREATE OR REPLACE VIEW cloudtrail AS SELECT * FROM cloudtrail_view", "DROP TABLE IF EXISTS cloudtrail_table"}
	switch {
	case l.n >= materializeAt:
		stmts = []string{"CREATE OR REPLACE TABLE cloudtrail_table AS SELECT * FROM cloudtrail_parsed", "CREATE OR REPLACE VIEW cloudtrail AS SELECT * FROM cloudtrail_table"}
	case !l.e.materialized:
		stmts = nil
	}
	for _, st := range stmts {
		if _, err := l.e.conn.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("duckdb: %s: %w", st, err)
		}
	}
	l.e.materialized = l.n >= materializeAt
	return nil
}

// Load replaces the events table with events, in order.
func (e *Engine) Load(events []event.Event) error {
	l, err := e.Reset()
	if err != nil {
		return err
	}
	for _, ev := range events {
		raw, err := json.Marshal(ev.Fields)
		if err != nil {
			l.Close()
			return err
		}
		if err := l.Add(ev.Origin, raw); err != nil {
			l.Close()
			return err
		}
	}
	return l.Close()
}

// Rows runs a query and returns every row as column name → value.
func (e *Engine) Rows(query string, args ...any) ([]map[string]any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rows, err := e.conn.QueryContext(context.Background(), query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Check prepares a query without running it: DuckDB parses and binds it
// against the cloudtrail view, so an unknown column or function, a type
// error or a syntax error is reported as DuckDB would report it.
func (e *Engine) Check(query string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := e.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return err
	}
	return st.Close()
}

// Backend is the "sql" target: the duckdb dialect, executed on an embedded
// DuckDB.
type Backend struct {
	*sqlb.Backend
	once   sync.Once
	engine *Engine
	err    error
}

var _ backends.Executor = (*Backend)(nil)

// New returns the "sql" target configured from cfg. The database is opened
// on first use.
func New(cfg *config.Config) (*Backend, error) {
	b, err := sqlb.NewDuckDB(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{Backend: b}, nil
}

// Engine returns the backend's database, opening it on first use.
func (b *Backend) Engine() (*Engine, error) {
	b.once.Do(func() { b.engine, b.err = Open() })
	return b.engine, b.err
}

// Prepare checks the compiled SQL on DuckDB and returns a runnable query.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	e, err := b.Engine()
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(out.Text)
	if err := e.Check(text); err != nil {
		return nil, fmt.Errorf("duckdb rejects the query: %w", err)
	}
	return &Query{e: e, text: text, detection: out.Rule == nil || !out.Rule.IsCorrelation()}, nil
}

// Query is a compiled rule ready to run on DuckDB.
type Query struct {
	e         *Engine
	text      string
	detection bool
}

// Fires loads the events and reports whether the query returns a row.
func (q *Query) Fires(events []event.Event) (bool, error) {
	if err := q.e.Load(events); err != nil {
		return false, err
	}
	rows, err := q.e.Rows("SELECT 1 FROM (" + q.text + ") q LIMIT 1")
	if err != nil {
		return false, err
	}
	return len(rows) > 0, nil
}

// MatchingEvents returns the positions of the events a detection query
// selects (harness.EventMatcher: names the event of a failing negative
// fixture).
func (q *Query) MatchingEvents(events []event.Event) []int {
	if !q.detection || q.e.Load(events) != nil {
		return nil
	}
	rows, err := q.e.Rows("SELECT _ord FROM (" + q.text + ") q ORDER BY _ord")
	if err != nil {
		return nil
	}
	var out []int
	for _, r := range rows {
		if n, ok := r["_ord"].(int64); ok {
			out = append(out, int(n))
		}
	}
	return out
}
