package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/catalog"
)

// config is the --config file: the same settings as the flags, in YAML.
//
//	listen: 127.0.0.1:5433
//	log_level: info
//	max_connections: 100
//	query_memory_limit: 25%
//	temp_dir: /var/tmp
//	max_recursion: 1000000
//	databases: [analytics]
//	auth: {method: scram, user: admin, password_env: RIFFQ_PASSWORD}
//	tls: {cert: server.crt, key: server.key, required: true}
//	http_headers: ["Authorization: Bearer ..."]
//	sources:
//	  - parquet:testdata/sample
//	  - {name: trades, kind: csv, location: trades.csv, options: {delimiter: ";"}}
//	tables:
//	  - name: symbols            # [schema.]table, of a source above
//	    comment: Listed symbols
//	    primary_key: [symbol]
//	    columns: {symbol: Ticker symbol}
//
// Flags given on the command line win over the file; tables has no flag.
type config struct {
	Listen         string         `yaml:"listen"`
	LogLevel       string         `yaml:"log_level"`
	MaxConnections *int           `yaml:"max_connections"`
	QueryMemLimit  string         `yaml:"query_memory_limit"`
	CacheSize      string         `yaml:"cache_size"`
	TempDir        string         `yaml:"temp_dir"`
	MaxRecursion   *int           `yaml:"max_recursion"`
	Databases      []string       `yaml:"databases"`
	Auth           authConfig     `yaml:"auth"`
	TLS            tlsConfigFile  `yaml:"tls"`
	HTTPHeaders    []string       `yaml:"http_headers"`
	Sources        []sourceConfig `yaml:"sources"`
	Tables         []tableConfig  `yaml:"tables"`
}

// tableConfig tells clients about a served table: its comments and its
// primary key (riffq.TableComment, ColumnComment, PrimaryKey).
type tableConfig struct {
	Name       string            `yaml:"name"`
	Comment    string            `yaml:"comment"`
	PrimaryKey []string          `yaml:"primary_key"`
	Columns    map[string]string `yaml:"columns"`
}

// tableDescriptions are the config's tables by schema-qualified name, and
// which of them a source served.
type tableDescriptions struct {
	tables map[string]tableConfig
	used   map[string]bool
}

// descriptions indexes the config's tables.
func (c *config) descriptions() (tableDescriptions, error) {
	d := tableDescriptions{tables: make(map[string]tableConfig), used: make(map[string]bool)}
	for i, t := range c.Tables {
		name := t.Name
		if name == "" {
			return d, fmt.Errorf("--config: tables[%d]: a table needs a name", i)
		}
		if !strings.Contains(name, ".") {
			name = catalog.DefaultSchema + "." + name
		}
		if _, dup := d.tables[name]; dup {
			return d, fmt.Errorf("--config: tables[%d]: %s is described twice", i, t.Name)
		}
		d.tables[name] = t
	}
	return d, nil
}

// options are the registration options for table schema.name.
func (d tableDescriptions) options(schema, name string) []riffq.TableOption {
	key := schema + "." + name
	t, ok := d.tables[key]
	if !ok {
		return nil
	}
	d.used[key] = true
	var opts []riffq.TableOption
	if t.Comment != "" {
		opts = append(opts, riffq.TableComment(t.Comment))
	}
	if len(t.PrimaryKey) > 0 {
		opts = append(opts, riffq.PrimaryKey(t.PrimaryKey...))
	}
	for col, text := range t.Columns {
		opts = append(opts, riffq.ColumnComment(col, text))
	}
	return opts
}

// unused reports a described table no source served: a typo, most likely.
func (d tableDescriptions) unused() error {
	var missing []string
	for name := range d.tables {
		if !d.used[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("tables: no source serves %s", strings.Join(missing, ", "))
}

type authConfig struct {
	Method      string `yaml:"method"`
	User        string `yaml:"user"`
	Password    string `yaml:"password"`
	PasswordEnv string `yaml:"password_env"`
}

type tlsConfigFile struct {
	Cert     string `yaml:"cert"`
	Key      string `yaml:"key"`
	Required bool   `yaml:"required"`
}

// sourceConfig is a source as a --source string or spelled out.
type sourceConfig struct {
	Spec     string
	Name     string            `yaml:"name"`
	Kind     string            `yaml:"kind"`
	Location string            `yaml:"location"`
	Options  map[string]string `yaml:"options"`
}

// UnmarshalYAML takes either form.
func (s *sourceConfig) UnmarshalYAML(unmarshal func(any) error) error {
	if err := unmarshal(&s.Spec); err == nil {
		return nil
	}
	type plain sourceConfig
	return unmarshal((*plain)(s))
}

// spec is the source as --source takes it.
func (s sourceConfig) spec() (string, error) {
	if s.Spec != "" {
		return s.Spec, nil
	}
	if s.Kind == "" || s.Location == "" {
		return "", fmt.Errorf("a source needs kind and location")
	}
	spec := s.Kind + ":" + s.Location
	if s.Name != "" {
		spec = s.Name + "=" + spec
	}
	if len(s.Options) > 0 {
		keys := make([]string, 0, len(s.Options))
		for k := range s.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + s.Options[k]
		}
		spec += "?" + strings.Join(parts, "&")
	}
	return spec, nil
}

// loadConfig reads a config file; unknown keys are errors.
func loadConfig(path string) (*config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	var c config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("--config %s: %s", path, strings.Join(strings.Fields(yaml.FormatError(err, false, false)), " "))
	}
	return &c, nil
}

// args turns the config into the flags it stands for; the command line's
// own flags come after them and so win.
func (c *config) args() ([]string, error) {
	var out []string
	add := func(flag, v string) {
		if v != "" {
			out = append(out, "--"+flag, v)
		}
	}
	add("listen", c.Listen)
	add("log-level", c.LogLevel)
	if c.MaxConnections != nil {
		add("max-connections", strconv.Itoa(*c.MaxConnections))
	}
	add("query-memory-limit", c.QueryMemLimit)
	add("cache-size", c.CacheSize)
	add("temp-dir", c.TempDir)
	if c.MaxRecursion != nil {
		add("max-recursion", strconv.Itoa(*c.MaxRecursion))
	}
	for _, d := range c.Databases {
		add("database", d)
	}
	add("auth", c.Auth.Method)
	add("user", c.Auth.User)
	password := c.Auth.Password
	if c.Auth.PasswordEnv != "" {
		password = os.Getenv(c.Auth.PasswordEnv)
		if password == "" {
			return nil, fmt.Errorf("--config: auth.password_env %s is not set", c.Auth.PasswordEnv)
		}
	}
	add("password", password)
	add("tls-cert", c.TLS.Cert)
	add("tls-key", c.TLS.Key)
	if c.TLS.Required {
		out = append(out, "--tls-required")
	}
	for _, h := range c.HTTPHeaders {
		add("http-header", h)
	}
	for i, s := range c.Sources {
		spec, err := s.spec()
		if err != nil {
			return nil, fmt.Errorf("--config: sources[%d]: %w", i, err)
		}
		add("source", spec)
	}
	return out, nil
}
