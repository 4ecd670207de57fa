package sql

import (
	"fmt"
	"strings"
)

// colKind is how a CloudTrail record key is stored in the table.
type colKind int

const (
	// colString is a STRING column holding the key's scalar (or, for a
	// nested value, its JSON text, as Hive's JsonSerDe does).
	colString colKind = iota
	// colJSON is a STRING column holding a JSON document
	// (requestParameters, responseElements, ...): paths below it are read
	// with JSON functions.
	colJSON
	// colStruct is a STRUCT column with known sub-fields.
	colStruct
	// colStructArray is an ARRAY<STRUCT<...>> column (resources).
	colStructArray
	// colMap is a MAP<STRING,STRING> (webidfederationdata.attributes).
	colMap
)

// column is one column (or struct field) of the CloudTrail table: Key is the
// record's key as CloudTrail writes it (camelCase); the SQL name is its
// lower-case form, as the Glue catalog stores it.
type column struct {
	Key    string
	Kind   colKind
	Fields []column // colStruct, colStructArray
}

// Name is the column's SQL name.
func (c column) Name() string { return strings.ToLower(c.Key) }

func str(key string) column                { return column{Key: key} }
func jsonCol(key string) column            { return column{Key: key, Kind: colJSON} }
func strct(key string, f ...column) column { return column{Key: key, Kind: colStruct, Fields: f} }

// cloudTrailColumns is the CloudTrail table AWS documents for Athena
// ("Create the table for CloudTrail logs in Athena using partition
// projection"), in its column order. Keys keep CloudTrail's spelling; the
// catalog lower-cases them.
var cloudTrailColumns = []column{
	str("eventVersion"),
	strct("userIdentity",
		str("type"), str("principalId"), str("arn"), str("accountId"), str("invokedBy"),
		str("accessKeyId"), str("userName"),
		strct("onBehalfOf", str("userId"), str("identityStoreArn")),
		strct("sessionContext",
			strct("attributes", str("mfaAuthenticated"), str("creationDate")),
			strct("sessionIssuer", str("type"), str("principalId"), str("arn"), str("accountId"), str("userName")),
			str("ec2RoleDelivery"),
			strct("webIdFederationData", str("federatedProvider"), column{Key: "attributes", Kind: colMap}),
		),
	),
	str("eventTime"),
	str("eventSource"),
	str("eventName"),
	str("awsRegion"),
	str("sourceIPAddress"),
	str("userAgent"),
	str("errorCode"),
	str("errorMessage"),
	jsonCol("requestParameters"),
	jsonCol("responseElements"),
	jsonCol("additionalEventData"),
	str("requestID"),
	str("eventID"),
	str("readOnly"),
	{Key: "resources", Kind: colStructArray, Fields: []column{str("ARN"), str("accountId"), str("type")}},
	str("eventType"),
	str("apiVersion"),
	str("recipientAccountId"),
	jsonCol("serviceEventDetails"),
	str("sharedEventID"),
	str("vpcEndpointId"),
	str("vpcEndpointAccountId"),
	str("eventCategory"),
	strct("addendum", str("reason"), str("updatedFields"), str("originalRequestID"), str("originalEventID")),
	str("sessionCredentialFromConsole"),
	jsonCol("edgeDeviceDetails"),
	strct("tlsDetails", str("tlsVersion"), str("cipherSuite"), str("clientProvidedHostHeader")),
}

// lookupColumn finds the column of a top-level record key. CloudTrail's
// keys are matched exactly, as the native evaluator does; the table itself
// is case-insensitive.
func lookupColumn(cols []column, key string) (column, bool) {
	for _, c := range cols {
		if c.Key == key {
			return c, true
		}
	}
	return column{}, false
}

// hiveType renders a column's Hive DDL type.
func hiveType(c column) string {
	switch c.Kind {
	case colStruct, colStructArray:
		var parts []string
		for _, f := range c.Fields {
			parts = append(parts, f.Name()+": "+hiveType(f))
		}
		s := "STRUCT<" + strings.Join(parts, ", ") + ">"
		if c.Kind == colStructArray {
			return "ARRAY<" + s + ">"
		}
		return s
	case colMap:
		return "MAP<STRING, STRING>"
	default:
		return "STRING"
	}
}

// duckType renders a column's structure for DuckDB's json_transform: keys
// in CloudTrail's spelling (json_transform matches keys exactly; DuckDB's
// struct field access is case-insensitive, so useridentity.accountid
// reads accountId as it does in Athena).
func duckType(c column) string {
	switch c.Kind {
	case colStruct, colStructArray:
		var parts []string
		for _, f := range c.Fields {
			parts = append(parts, fmt.Sprintf("%q:%s", f.Key, duckType(f)))
		}
		s := "{" + strings.Join(parts, ",") + "}"
		if c.Kind == colStructArray {
			return "[" + s + "]"
		}
		return s
	case colMap:
		return `"MAP(VARCHAR, VARCHAR)"`
	default:
		return `"VARCHAR"`
	}
}

// DuckDBView returns the SELECT that turns a table of raw CloudTrail records
// (a JSON column raw, a BIGINT column ord, the record's position in the
// stream, and a VARCHAR column origin naming where it came from) into the
// Athena CloudTrail table's columns, plus _ord, _origin and _raw. The
// duckdb dialect's queries run on it, so they read the same column names
// and types as the athena dialect's. Each column reads its key from the
// record (DuckDB only computes the columns a query reads: best for a few
// records queried directly).
func DuckDBView(source string) string {
	var b strings.Builder
	b.WriteString("SELECT\n")
	for _, c := range cloudTrailColumns {
		key := strings.ReplaceAll(c.Key, "'", "''")
		switch c.Kind {
		case colStruct, colStructArray:
			fmt.Fprintf(&b, "  json_transform(raw->'%s', '%s') AS %s,\n", key, duckType(c), c.Name())
		default:
			fmt.Fprintf(&b, "  raw->>'%s' AS %s,\n", key, c.Name())
		}
	}
	b.WriteString("  ord AS _ord,\n  origin AS _origin,\n  raw AS _raw\nFROM " + source)
	return b.String()
}

// DuckDBParsedView is DuckDBView with every record parsed once, by one
// json_transform into a struct of all columns: best to materialize many
// records into a table. Both give the same columns and values (a JSON-text
// column is the key's text as ->> returns it: an object's JSON, a string's
// content).
func DuckDBParsedView(source string) string {
	var b strings.Builder
	var shape []string
	for _, c := range cloudTrailColumns {
		shape = append(shape, fmt.Sprintf("%q:%s", c.Key, duckType(c)))
	}
	b.WriteString("SELECT\n")
	for _, c := range cloudTrailColumns {
		fmt.Fprintf(&b, "  s.%s AS %s,\n", ident(c.Key), c.Name())
	}
	b.WriteString("  ord AS _ord,\n  origin AS _origin,\n  raw AS _raw\n")
	b.WriteString("FROM (SELECT json_transform(raw, " + quote("{"+strings.Join(shape, ",")+"}") + ") AS s, ord, origin, raw FROM " + source + ")")
	return b.String()
}

// RecordColumn is how an Athena result column rebuilds one key of a
// CloudTrail record (hunt turns result rows back into records).
type RecordColumn struct {
	Key string // CloudTrail's key
	// SQL selects the column as text: a string column as is, a JSON-text
	// column as is (its value is JSON), a struct or array as JSON text.
	SQL  string
	JSON bool // the text is JSON (JSON-text, struct and array columns)
}

// AthenaRecordColumns lists the columns that rebuild a record from the
// Athena CloudTrail table. Struct fields come back with the catalog's
// lower-case names.
func AthenaRecordColumns() []RecordColumn {
	var out []RecordColumn
	for _, c := range cloudTrailColumns {
		switch c.Kind {
		case colStruct, colStructArray:
			out = append(out, RecordColumn{Key: c.Key, SQL: "json_format(CAST(" + c.Name() + " AS JSON)) AS " + c.Name(), JSON: true})
		case colJSON:
			out = append(out, RecordColumn{Key: c.Key, SQL: c.Name(), JSON: true})
		default:
			out = append(out, RecordColumn{Key: c.Key, SQL: c.Name()})
		}
	}
	return out
}
