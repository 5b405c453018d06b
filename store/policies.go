package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/centralcloud/centralcloud/database"
)

// Policy is an org's effective policy: its overrides on top of the
// configured defaults.
type Policy struct {
	TelemetryEnabled bool   `json:"telemetry_enabled"`
	LearningEnabled  bool   `json:"learning_enabled"`
	FailOn           string `json:"fail_on"`
	// RetentionDays is the enterprise retention policy; nil keeps data.
	RetentionDays *int `json:"retention_days"`
}

// PolicyKeys lists the keys that `policies set` accepts, with what each
// takes.
var PolicyKeys = map[string]string{
	"telemetry_enabled": "true or false",
	"learning_enabled":  "true or false",
	"fail_on":           "error, warning or note",
	"retention_days":    "a whole number of days above 0, or 'default' to keep data",
}

// EffectivePolicy returns the org's policy, falling back to defaults for
// each key that the org has not set.
func EffectivePolicy(ctx context.Context, db database.DBTX, orgID uuid.UUID, defaults Policy) (Policy, error) {
	var o policyOverrides
	err := db.QueryRow(ctx,
		`SELECT telemetry_enabled, learning_enabled, fail_on, retention_days FROM org_policies WHERE org_id = $1`,
		orgID).Scan(o.targets()...)
	if err != nil && err != pgx.ErrNoRows {
		return Policy{}, fmt.Errorf("read policies of org %s: %w", orgID, err)
	}
	return o.apply(defaults), nil
}

// policyOverrides are the org_policies columns of one org; NULL, or no
// row, keeps the default.
type policyOverrides struct {
	telemetry, learning *bool
	failOn              *string
	retention           *int
}

// targets returns scan targets for telemetry_enabled, learning_enabled,
// fail_on and retention_days, in that order.
func (o *policyOverrides) targets() []any {
	return []any{&o.telemetry, &o.learning, &o.failOn, &o.retention}
}

func (o policyOverrides) apply(defaults Policy) Policy {
	p := defaults
	if o.telemetry != nil {
		p.TelemetryEnabled = *o.telemetry
	}
	if o.learning != nil {
		p.LearningEnabled = *o.learning
	}
	if o.failOn != nil {
		p.FailOn = *o.failOn
	}
	if o.retention != nil {
		p.RetentionDays = o.retention
	}
	return p
}

// SetPolicies applies KEY=VALUE settings to an org and writes one audit
// event per changed key. The value "default" clears the org's override.
// It validates every setting before changing any.
func SetPolicies(ctx context.Context, db database.DBTX, orgID uuid.UUID, actor string, settings map[string]string) error {
	columns := make(map[string]any, len(settings))
	keys := make([]string, 0, len(settings))
	for key, raw := range settings {
		value, err := parsePolicyValue(key, raw)
		if err != nil {
			return err
		}
		columns[key] = value
		keys = append(keys, key)
	}
	sort.Strings(keys)
	if _, err := db.Exec(ctx, `INSERT INTO org_policies (org_id) VALUES ($1) ON CONFLICT DO NOTHING`, orgID); err != nil {
		return fmt.Errorf("create policies of org %s: %w", orgID, err)
	}
	for _, key := range keys {
		// key is one of PolicyKeys, checked by parsePolicyValue, so it is
		// safe as a column name.
		_, err := db.Exec(ctx,
			`UPDATE org_policies SET `+key+` = $2, updated_at = now() WHERE org_id = $1`, orgID, columns[key])
		if err != nil {
			return fmt.Errorf("set policy %s: %w", key, err)
		}
		err = InsertAudit(ctx, db, AuditEvent{
			OrgID: &orgID, Actor: actor, Action: AuditPolicyChanged,
			Reason:  "policy set",
			Details: map[string]any{"key": key, "value": settings[key]},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func parsePolicyValue(key, raw string) (any, error) {
	expected, known := PolicyKeys[key]
	if !known {
		return nil, fmt.Errorf("unknown policy key %q: use one of %s", key, strings.Join(policyKeyNames(), ", "))
	}
	if raw == "default" {
		return nil, nil
	}
	switch key {
	case "telemetry_enabled", "learning_enabled":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("invalid value %q for %s: use %s", raw, key, expected)
		}
		return b, nil
	case "fail_on":
		if raw != "error" && raw != "warning" && raw != "note" {
			return nil, fmt.Errorf("invalid value %q for fail_on: use %s", raw, expected)
		}
		return raw, nil
	default: // retention_days
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid value %q for retention_days: use %s", raw, expected)
		}
		return n, nil
	}
}

func policyKeyNames() []string {
	names := make([]string, 0, len(PolicyKeys))
	for k := range PolicyKeys {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
