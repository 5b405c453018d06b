package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

const envPrefix = "CENTRALCLOUD_"

// envNamesNotKeys are CENTRALCLOUD_* variables that are not configuration
// keys, so they raise no warning.
var envNamesNotKeys = map[string]bool{
	EnvConfigPath: true,
	// The scan command reads its token from here.
	"CENTRALCLOUD_SCAN_TOKEN": true,
}

// applyEnv overrides fields of c from CENTRALCLOUD_* variables. A malformed
// value is an error naming the variable; a variable that names no key is a
// warning.
func applyEnv(c *Config, environ []string) ([]string, error) {
	fields := map[string]reflect.Value{}
	collectFields(reflect.ValueOf(c).Elem(), envPrefix, fields)
	var warnings []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) {
			continue
		}
		field, known := fields[name]
		if !known {
			if !envNamesNotKeys[name] && !strings.HasPrefix(name, envPrefix+"TEST_") {
				warnings = append(warnings, fmt.Sprintf("environment variable %s names no configuration key; it is ignored", name))
			}
			continue
		}
		if err := setField(field, value); err != nil {
			return nil, fmt.Errorf("environment variable %s: %w", name, err)
		}
	}
	return warnings, nil
}

// EnvNames lists every configuration key's environment variable, for docs
// and tests.
func EnvNames() []string {
	fields := map[string]reflect.Value{}
	collectFields(reflect.ValueOf(Default()).Elem(), envPrefix, fields)
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	return names
}

func collectFields(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + strings.ToUpper(tag)
		field := v.Field(i)
		if field.Kind() == reflect.Struct && field.Type() != reflect.TypeOf(time.Duration(0)) {
			collectFields(field, name+"_", out)
			continue
		}
		out[name] = field
	}
}

func setField(field reflect.Value, value string) error {
	switch field.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("invalid duration %q: use a number with a unit, e.g. 30s or 5m", value)
		}
		field.SetInt(int64(d))
		return nil
	case []string:
		var items []string
		for _, item := range strings.Split(value, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		field.Set(reflect.ValueOf(items))
		return nil
	}
	switch field.Kind() {
	case reflect.String:
		field.SetString(value)
	case reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("invalid boolean %q: use true or false", value)
		}
		field.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || field.OverflowInt(n) {
			return fmt.Errorf("invalid integer %q: use a whole number", value)
		}
		field.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Errorf("invalid number %q", value)
		}
		field.SetFloat(f)
	default:
		return fmt.Errorf("unsupported field type %s", field.Type())
	}
	return nil
}
