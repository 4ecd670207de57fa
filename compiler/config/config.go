// Package config reads sigforge's configuration file: values for Sigma
// placeholders (|expand) and one section per target. The file is YAML; by
// convention it lives beside the rules as rules/.sigforge.yml (the loader
// skips dot files), or is named with --config.
//
//	placeholders:
//	  trusted_aws_accounts: ['111111111111', '222222222222']
//	targets:
//	  falco:
//	    min_engine_version: 0.40.0
//
// Each backend decodes its own section with Target.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// FileName is the configuration file looked for in a rules directory.
const FileName = ".sigforge.yml"

// Config is the whole configuration.
type Config struct {
	// Path is the file the configuration was read from ("" for defaults).
	Path string `yaml:"-"`
	// Placeholders gives the values of %name% placeholders, by name without
	// the percent signs.
	Placeholders map[string][]string `yaml:"placeholders"`
	// Targets holds each target's own section, undecoded.
	Targets map[string]yaml.Node `yaml:"targets"`
}

// Default returns an empty configuration.
func Default() *Config { return &Config{} }

// Load reads a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Path = path
	return &c, nil
}

// Find loads dir/.sigforge.yml when it exists, else returns the defaults.
func Find(dir string) (*Config, error) {
	path := filepath.Join(dir, FileName)
	c, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	return c, err
}

// Target decodes the section of one target into out (a pointer to a struct
// with yaml tags holding the defaults). A missing section leaves out as it
// is.
func (c *Config) Target(name string, out any) error {
	if c == nil {
		return nil
	}
	node, ok := c.Targets[name]
	if !ok {
		return nil
	}
	if err := node.Decode(out); err != nil {
		return fmt.Errorf("%s:%d:%d: targets.%s: %w", c.Path, node.Line, node.Column, name, err)
	}
	return nil
}
