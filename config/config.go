// Package config loads CentralCloud's configuration: built-in defaults, then
// an optional YAML file (unknown keys are errors), then CENTRALCLOUD_*
// environment variables, then secrets read from files, then validation.
//
// Every key has an environment variable named CENTRALCLOUD_ followed by its
// path in upper case joined by underscores: http.addr is
// CENTRALCLOUD_HTTP_ADDR and data_dir is CENTRALCLOUD_DATA_DIR.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvConfigPath names the variable that gives the config file's path when
// --config is not used.
const EnvConfigPath = "CENTRALCLOUD_CONFIG"

// Config is the whole configuration.
type Config struct {
	// DataDir holds the embedded Postgres cluster and other local state.
	DataDir   string          `yaml:"data_dir"`
	HTTP      HTTPConfig      `yaml:"http"`
	Database  DatabaseConfig  `yaml:"database"`
	Log       LogConfig       `yaml:"log"`
	Policies  PolicyDefaults  `yaml:"policies"`
	Scanner   ScannerConfig   `yaml:"scanner"`
	GitHub    GitHubConfig    `yaml:"github"`
	Queue     QueueConfig     `yaml:"queue"`
	Snapshots SnapshotsConfig `yaml:"snapshots"`

	// Warnings lists problems that do not stop start-up, such as a
	// CENTRALCLOUD_* variable that names no key. Callers log them.
	Warnings []string `yaml:"-"`
}

// Default returns the configuration used when nothing overrides it.
func Default() *Config {
	c := &Config{DataDir: "./.centralcloud"}
	c.HTTP.defaults()
	c.Database.defaults()
	c.Log.defaults()
	c.Policies.defaults()
	c.Scanner.defaults()
	c.GitHub.defaults()
	c.Queue.defaults()
	c.Snapshots.defaults()
	return c
}

// Load builds the configuration from path (empty: no file) and the process
// environment.
func Load(path string) (*Config, error) {
	return load(path, os.Environ())
}

func load(path string, environ []string) (*Config, error) {
	c := Default()
	if path != "" {
		if err := c.readFile(path); err != nil {
			return nil, err
		}
	}
	warnings, err := applyEnv(c, environ)
	if err != nil {
		return nil, err
	}
	c.Warnings = warnings
	if err := c.resolveFiles(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) readFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes as io.EOF and leaves the defaults in place.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w (every key is listed in config.example.yml)", path, err)
	}
	return nil
}

// resolveFiles reads the secrets that are given as file paths.
func (c *Config) resolveFiles() error {
	if err := readSecretFile(&c.Database.URL, c.Database.URLFile, "database.url_file"); err != nil {
		return err
	}
	return c.GitHub.resolveFiles()
}

// readSecretFile sets *dst from the file at path when path is set. A value
// given directly and a file at once is a conflict, reported by validation.
func readSecretFile(dst *string, path, key string) error {
	if path == "" {
		return nil
	}
	if *dst != "" {
		return fmt.Errorf("%s and the value it replaces are both set: set only one", key)
	}
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	*dst = strings.TrimRight(string(data), "\r\n")
	return nil
}

// Validate checks every section and joins the problems, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir is empty: set it to a writable folder, e.g. ./.centralcloud"))
	}
	errs = append(errs,
		c.HTTP.validate(), c.Database.validate(), c.Log.validate(), c.Policies.validate(),
		c.Scanner.validate(), c.GitHub.validate(), c.Queue.validate(), c.Snapshots.validate())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	return nil
}
