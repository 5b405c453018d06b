package snapshots

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// MaxBundleSize is the largest bundle file that publishing reads.
const MaxBundleSize = 32 << 20

// BundleFormat names the encoding of a bundle file.
type BundleFormat string

// Bundle encodings.
const (
	FormatJSON BundleFormat = "json"
	FormatYAML BundleFormat = "yaml"
)

// Bundle is a pattern set as an operator writes it, in JSON or YAML.
type Bundle struct {
	Patterns []BundlePattern `json:"patterns" yaml:"patterns"`
}

// BundlePattern is one pattern of a bundle.
type BundlePattern struct {
	ID       string `json:"id" yaml:"id"`
	Language string `json:"language" yaml:"language"`
	// Severity is error, warning or note, as in scanner findings.
	Severity string `json:"severity" yaml:"severity"`
	Message  string `json:"message" yaml:"message"`
	// Rule is the detection rule body that scanners evaluate.
	Rule string   `json:"rule" yaml:"rule"`
	Tags []string `json:"tags,omitempty" yaml:"tags,omitempty"`
}

// ReadBundleFile reads, parses and validates a bundle file. The format
// follows the extension (.json, .yaml, .yml); any other name is parsed as
// JSON when its first non-space byte is '{', else as YAML.
func ReadBundleFile(path string) (Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return Bundle{}, fmt.Errorf("open pattern bundle: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBundleSize+1))
	if err != nil {
		return Bundle{}, fmt.Errorf("read pattern bundle %s: %w", path, err)
	}
	if len(data) > MaxBundleSize {
		return Bundle{}, fmt.Errorf("pattern bundle %s is larger than %d MiB; split it or trim rule bodies",
			path, MaxBundleSize>>20)
	}
	bundle, err := ParseBundle(data, formatOf(path, data))
	if err != nil {
		return Bundle{}, fmt.Errorf("pattern bundle %s: %w", path, err)
	}
	return bundle, nil
}

func formatOf(path string, data []byte) BundleFormat {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON
	case ".yaml", ".yml":
		return FormatYAML
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		return FormatJSON
	}
	return FormatYAML
}

// ParseBundle decodes a bundle strictly (unknown fields, trailing data and
// a second YAML document are errors) and validates it.
func ParseBundle(data []byte, format BundleFormat) (Bundle, error) {
	var bundle Bundle
	var err error
	switch format {
	case FormatJSON:
		err = decodeJSONBundle(data, &bundle)
	case FormatYAML:
		err = decodeYAMLBundle(data, &bundle)
	default:
		return Bundle{}, fmt.Errorf("unknown bundle format %q; use json or yaml", format)
	}
	if err != nil {
		return Bundle{}, err
	}
	if err := bundle.Validate(); err != nil {
		return Bundle{}, err
	}
	return bundle, nil
}

func decodeJSONBundle(data []byte, bundle *Bundle) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(bundle); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: unexpected data after the bundle object")
	}
	return nil
}

func decodeYAMLBundle(data []byte, bundle *Bundle) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(bundle); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("invalid YAML: the file is empty; expected a mapping with a patterns list")
		}
		return fmt.Errorf("invalid YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("invalid YAML: more than one document; put every pattern in one patterns list")
	}
	return nil
}

// wirePatterns converts the bundle to snapshot patterns without weights.
func (b Bundle) wirePatterns() []wire.Pattern {
	out := make([]wire.Pattern, len(b.Patterns))
	for i, p := range b.Patterns {
		out[i] = wire.Pattern{ID: p.ID, Language: p.Language, Severity: p.Severity, Message: p.Message,
			Rule: p.Rule, Tags: p.Tags}
	}
	return out
}
