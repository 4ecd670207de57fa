package sql

import (
	"strings"
)

// DDL options for the Athena table (targets.sql-athena).
type DDLOptions struct {
	// Table is the table name (default cloudtrail_logs).
	Table string
	// Location is the trail's prefix up to the region, e.g.
	// s3://my-trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1
	// (default: a template to edit).
	Location string
	// Start is the first day of partition projection, yyyy/MM/dd
	// (default 2020/01/01).
	Start string
}

// AthenaDDL returns the CREATE EXTERNAL TABLE statement for CloudTrail logs
// in Athena with partition projection on a "timestamp" partition
// (yyyy/MM/dd, one day per partition), the table the athena dialect
// queries. Its columns are the ones AWS documents for Athena; DuckDBView
// builds the same columns for DuckDB.
func AthenaDDL(o DDLOptions) string {
	if o.Table == "" {
		o.Table = "cloudtrail_logs"
	}
	if o.Location == "" {
		o.Location = "s3://<bucket>/AWSLogs/<account-id>/CloudTrail/<region>"
	}
	o.Location = strings.TrimSuffix(o.Location, "/")
	if o.Start == "" {
		o.Start = "2020/01/01"
	}
	var b strings.Builder
	b.WriteString("CREATE EXTERNAL TABLE IF NOT EXISTS " + o.Table + " (\n")
	for i, c := range cloudTrailColumns {
		sep := ","
		if i == len(cloudTrailColumns)-1 {
			sep = ""
		}
		b.WriteString("  " + c.Name() + " " + hiveType(c) + sep + "\n")
	}
	b.WriteString(")\n")
	b.WriteString("COMMENT 'CloudTrail logs; created by sigforge compile --target sql-athena --ddl'\n")
	b.WriteString("PARTITIONED BY (`timestamp` STRING)\n")
	b.WriteString("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n")
	b.WriteString("STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n")
	b.WriteString("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n")
	b.WriteString("LOCATION " + quote(o.Location+"/") + "\n")
	b.WriteString("TBLPROPERTIES (\n")
	props := [][2]string{
		{"projection.enabled", "true"},
		{"projection.timestamp.type", "date"},
		{"projection.timestamp.format", "yyyy/MM/dd"},
		{"projection.timestamp.range", o.Start + ",NOW"},
		{"projection.timestamp.interval", "1"},
		{"projection.timestamp.interval.unit", "DAYS"},
		{"storage.location.template", o.Location + "/${timestamp}"},
	}
	for i, p := range props {
		sep := ","
		if i == len(props)-1 {
			sep = ""
		}
		b.WriteString("  " + quote(p[0]) + " = " + quote(p[1]) + sep + "\n")
	}
	b.WriteString(");\n")
	return b.String()
}
