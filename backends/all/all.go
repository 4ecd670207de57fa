// Package all is the registry of targets: one line per target package. There
// is no init() self-registration; adding a target means adding its package
// and one line here.
package all

import (
	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/cloudwatch"
	"github.com/sigforge/sigforge/backends/detectionrules"
	"github.com/sigforge/sigforge/backends/eql"
	"github.com/sigforge/sigforge/backends/esql"
	"github.com/sigforge/sigforge/backends/falco"
	"github.com/sigforge/sigforge/backends/kibana"
	"github.com/sigforge/sigforge/backends/kql"
	"github.com/sigforge/sigforge/backends/lucene"
	"github.com/sigforge/sigforge/backends/sigma"
	sqlt "github.com/sigforge/sigforge/backends/sql"
	"github.com/sigforge/sigforge/backends/sql/duckdb"
	"github.com/sigforge/sigforge/compiler/config"
)

// Targets returns every target, configured from cfg, in a stable order.
func Targets(cfg *config.Config) ([]backends.Backend, error) {
	var out []backends.Backend
	for _, mk := range registry {
		b, err := mk(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// registry lists each target's constructor. Keep one line per target.
var registry = []func(cfg *config.Config) (backends.Backend, error){
	sigma.New,
	func(c *config.Config) (backends.Backend, error) { return eql.New(c) },
	func(c *config.Config) (backends.Backend, error) { return esql.New(c) },
	func(c *config.Config) (backends.Backend, error) { return kibana.New(c) },
	func(c *config.Config) (backends.Backend, error) { return detectionrules.New(c) },
	func(c *config.Config) (backends.Backend, error) { return kql.New(c) },
	func(c *config.Config) (backends.Backend, error) { return lucene.New(c) },
	func(c *config.Config) (backends.Backend, error) { return cloudwatch.New(c) },
	func(c *config.Config) (backends.Backend, error) { return falco.New(c) },
	func(c *config.Config) (backends.Backend, error) { return duckdb.New(c) },
	func(c *config.Config) (backends.Backend, error) { return sqlt.NewAthena(c) },
	func(c *config.Config) (backends.Backend, error) { return sqlt.NewCloudTrailLake(c) },
}
