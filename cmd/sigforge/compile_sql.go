package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	sqlt "github.com/sigforge/sigforge/backends/sql"
)

// sqlDialect turns --target sql --dialect D into the target sql-D (the
// duckdb dialect is the target sql itself).
func sqlDialect(targets []string, dialect string) ([]string, error) {
	if dialect == "" {
		return targets, nil
	}
	names := map[string]string{"duckdb": sqlt.NameDuckDB, "athena": sqlt.NameAthena, "cloudtrail-lake": sqlt.NameCloudTrailLake}
	name, ok := names[dialect]
	if !ok {
		return nil, usageError("unknown --dialect %q (want duckdb, athena or cloudtrail-lake)", dialect)
	}
	if !slices.Equal(targets, []string{"sql"}) {
		return nil, usageError("--dialect goes with --target sql only")
	}
	return []string{name}, nil
}

// writeDDL prints the Athena CloudTrail table DDL (targets.sql-athena:
// table, location, projection_start).
func writeDDL(cmd *cobra.Command, targets []string, configPath string) error {
	if !slices.Equal(targets, []string{sqlt.NameAthena}) {
		return usageError("--ddl needs --target sql-athena (or --target sql --dialect athena)")
	}
	cfg, err := loadConfig(configPath, ".")
	if err != nil {
		return err
	}
	var o sqlt.Options
	if err := cfg.Target(sqlt.NameAthena, &o); err != nil {
		return err
	}
	_, err = fmt.Fprint(cmd.OutOrStdout(), sqlt.AthenaDDL(sqlt.DDLOptions{Table: o.Table, Location: o.Location, Start: o.ProjectionStart}))
	return err
}
