package sql

import (
	"fmt"
	"strings"
	"time"
)

// Dialect is one SQL engine's spelling of the shared logic. Everything that
// decides what a rule means (which column a field is, how a pattern, a
// null, an array or a window is tested) lives in the shared compiler; a
// dialect only names functions and the table. So what the duckdb dialect
// proves on embedded DuckDB holds for the athena dialect's text too, up to
// the function spellings listed here (each covered by the golden files).
type Dialect interface {
	// Name is the dialect name (athena, cloudtrail-lake, duckdb).
	Name() string
	// table is the FROM source.
	table() string
	// regex is a regular-expression search of pattern (already translated
	// by regexFor) in x.
	regex(x, pattern string) string
	// regexFor translates a Sigma (RE2) regular expression for the engine,
	// or says why it cannot.
	regexFor(re string) (string, error)
	// jsonScalar is the text of the JSON scalar at path inside the JSON
	// text doc; NULL for an absent key, a JSON null, an object or an array.
	jsonScalar(doc, path string) string
	// jsonText is the JSON text of the value at path (compact), NULL when
	// the path is absent.
	jsonText(doc, path string) string
	// jsonGet is the JSON value under key in the JSON node (NULL when
	// absent).
	jsonGet(node, key string) string
	// elems is the array of JSON values a node stands for: its elements
	// when it is an array, else the node itself.
	elems(node string) string
	// elemScalar is the text of a JSON node that is a scalar (NULL for
	// null, an object or an array).
	elemScalar(node string) string
	// listAny holds when some element of the SQL array list satisfies pred
	// (v is the lambda variable).
	listAny(list, v, pred string) string
	// mapGet reads a key of a MAP<VARCHAR,VARCHAR>.
	mapGet(m, key string) string
	// epochMillis is the event time in milliseconds since the epoch.
	epochMillis() string
	// eventKey identifies an event (counting an event once, ordering
	// events of equal time).
	eventKey() string
	// column maps a top-level CloudTrail key to the source's column
	// expression, or ok=false to use the Athena table's mapping.
	column(key string) (expr string, ok bool)
}

// Athena is Amazon Athena (engine version 3, Trino) over the CloudTrail
// table AWS documents for Athena.
type Athena struct {
	// Table is the table name (default cloudtrail_logs).
	Table string
}

func (Athena) Name() string { return "athena" }
func (d Athena) table() string {
	if d.Table == "" {
		return "cloudtrail_logs"
	}
	return d.Table
}
func (Athena) regex(x, p string) string           { return fmt.Sprintf("regexp_like(%s, %s)", x, quote(p)) }
func (Athena) regexFor(re string) (string, error) { return javaRegex(re) }
func (Athena) jsonScalar(doc, path string) string {
	return fmt.Sprintf("json_extract_scalar(%s, %s)", doc, quote(path))
}
func (Athena) jsonText(doc, path string) string {
	return fmt.Sprintf("json_format(json_extract(%s, %s))", doc, quote(path))
}
func (Athena) jsonGet(node, key string) string {
	return fmt.Sprintf("json_extract(%s, %s)", node, quote("$."+key))
}
func (Athena) elems(n string) string {
	return fmt.Sprintf("IF(json_array_length(%s) IS NULL, ARRAY[%s], CAST(%s AS ARRAY(JSON)))", n, n, n)
}
func (Athena) elemScalar(n string) string { return fmt.Sprintf("json_extract_scalar(%s, '$')", n) }
func (Athena) listAny(list, v, pred string) string {
	return fmt.Sprintf("any_match(%s, %s -> %s)", list, v, pred)
}
func (Athena) mapGet(m, key string) string { return fmt.Sprintf("element_at(%s, %s)", m, quote(key)) }
func (Athena) epochMillis() string {
	return "CAST(to_unixtime(from_iso8601_timestamp(eventtime)) * 1000 AS BIGINT)"
}
func (Athena) eventKey() string             { return "eventid" }
func (Athena) column(string) (string, bool) { return "", false }

// DuckDB is DuckDB over DuckDBView: the Athena table's columns built from
// raw CloudTrail records.
type DuckDB struct {
	// Table is the view name (default cloudtrail).
	Table string
}

func (DuckDB) Name() string { return "duckdb" }
func (d DuckDB) table() string {
	if d.Table == "" {
		return "cloudtrail"
	}
	return d.Table
}
func (DuckDB) regex(x, p string) string { return fmt.Sprintf("regexp_matches(%s, %s)", x, quote(p)) }

// regexFor keeps the expression: DuckDB's regexp_matches is RE2 and
// searches (unanchored), as Sigma's |re does.
func (DuckDB) regexFor(re string) (string, error) { return re, nil }
func (DuckDB) jsonScalar(doc, path string) string {
	return fmt.Sprintf("(json_value(%s, %s) ->> '$')", doc, quote(path))
}
func (DuckDB) jsonText(doc, path string) string {
	return fmt.Sprintf("CAST(json_extract(%s, %s) AS VARCHAR)", doc, quote(path))
}
func (DuckDB) jsonGet(node, key string) string {
	return fmt.Sprintf("json_extract(%s, %s)", node, quote("$."+key))
}
func (DuckDB) elems(n string) string {
	return fmt.Sprintf("CASE WHEN json_type(%s) = 'ARRAY' THEN json_extract(%s, '$[*]') ELSE [%s] END", n, n, n)
}
func (DuckDB) elemScalar(n string) string { return fmt.Sprintf("(json_value(%s, '$') ->> '$')", n) }
func (DuckDB) listAny(list, v, pred string) string {
	return fmt.Sprintf("list_bool_or(list_transform(%s, lambda %s: %s))", list, v, pred)
}
func (DuckDB) mapGet(m, key string) string  { return fmt.Sprintf("%s[%s]", m, quote(key)) }
func (DuckDB) epochMillis() string          { return "epoch_ms(TRY_CAST(eventtime AS TIMESTAMPTZ))" }
func (DuckDB) eventKey() string             { return "_ord" }
func (DuckDB) column(string) (string, bool) { return "", false }

// CloudTrailLake is CloudTrail Lake's SQL (a Trino subset) over an event
// data store: columns keep CloudTrail's camelCase names, eventTime is a
// timestamp, and requestParameters / responseElements /
// additionalEventData are MAP<STRING,STRING> whose nested values are JSON
// text (unconfirmed for arrays; see docs/sql.md).
type CloudTrailLake struct {
	// EventDataStore is the event data store ID (the FROM source).
	EventDataStore string
}

func (CloudTrailLake) Name() string { return "cloudtrail-lake" }
func (d CloudTrailLake) table() string {
	if d.EventDataStore == "" {
		return "$EDS_ID"
	}
	return d.EventDataStore
}
func (CloudTrailLake) regex(x, p string) string            { return Athena{}.regex(x, p) }
func (CloudTrailLake) regexFor(re string) (string, error)  { return javaRegex(re) }
func (CloudTrailLake) jsonScalar(doc, path string) string  { return Athena{}.jsonScalar(doc, path) }
func (CloudTrailLake) jsonText(doc, path string) string    { return Athena{}.jsonText(doc, path) }
func (CloudTrailLake) jsonGet(node, key string) string     { return Athena{}.jsonGet(node, key) }
func (CloudTrailLake) elems(n string) string               { return Athena{}.elems(n) }
func (CloudTrailLake) elemScalar(n string) string          { return Athena{}.elemScalar(n) }
func (CloudTrailLake) listAny(list, v, pred string) string { return Athena{}.listAny(list, v, pred) }
func (CloudTrailLake) mapGet(m, key string) string         { return Athena{}.mapGet(m, key) }
func (CloudTrailLake) epochMillis() string {
	return "CAST(to_unixtime(eventTime) * 1000 AS BIGINT)"
}
func (CloudTrailLake) eventKey() string { return "eventID" }

// column: the event data store's columns are CloudTrail's keys; the map
// columns are rendered as JSON-like text by the shared compiler through
// mapGet (see field access).
func (CloudTrailLake) column(key string) (string, bool) {
	if key == "readOnly" {
		return "CAST(readOnly AS VARCHAR)", true
	}
	if key == "eventTime" {
		return "to_iso8601(eventTime)", true
	}
	return key, true
}

// quote renders a SQL string literal (standard SQL: a quote is doubled,
// backslashes are literal in Trino and DuckDB alike).
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// timeFilter renders the --since/--until bounds (either may be zero) as
// predicates; for Athena also on the partition-projection column, so that
// only the days in range are read.
func timeFilter(d Dialect, since, until time.Time) []string {
	var out []string
	iso := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	switch d.(type) {
	case CloudTrailLake:
		if !since.IsZero() {
			out = append(out, "eventTime >= from_iso8601_timestamp("+quote(iso(since))+")")
		}
		if !until.IsZero() {
			out = append(out, "eventTime < from_iso8601_timestamp("+quote(iso(until))+")")
		}
		return out
	case Athena:
		if !since.IsZero() {
			out = append(out, `"timestamp" >= `+quote(since.UTC().Format("2006/01/02")))
		}
		if !until.IsZero() {
			out = append(out, `"timestamp" <= `+quote(until.UTC().Format("2006/01/02")))
		}
		if !since.IsZero() {
			out = append(out, "from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp("+quote(iso(since))+")")
		}
		if !until.IsZero() {
			out = append(out, "from_iso8601_timestamp(eventtime) < from_iso8601_timestamp("+quote(iso(until))+")")
		}
		return out
	}
	if !since.IsZero() {
		out = append(out, "TRY_CAST(eventtime AS TIMESTAMPTZ) >= CAST("+quote(iso(since))+" AS TIMESTAMPTZ)")
	}
	if !until.IsZero() {
		out = append(out, "TRY_CAST(eventtime AS TIMESTAMPTZ) < CAST("+quote(iso(until))+" AS TIMESTAMPTZ)")
	}
	return out
}
