-- Learning aggregates: anonymised facts folded in from final scanner events.
-- One row per pattern and breakdown (severity, language, scanner name and
-- version). No column holds a path, code, message, fingerprint, repository,
-- org or person; the learning handler drops values that could carry one.
CREATE TABLE learning_pattern_aggregates (
  pattern_id       text NOT NULL,
  severity         text NOT NULL,
  -- '' when the scanner reported no language.
  language         text NOT NULL,
  -- '' when the run named no scanner.
  scanner_name     text NOT NULL,
  scanner_version  text NOT NULL,
  -- Findings of kind 'fail', suppressed ones included.
  finding_count    bigint NOT NULL,
  suppressed_count bigint NOT NULL,
  -- Runs with at least one such finding.
  run_count        bigint NOT NULL,
  -- Days (UTC midnight) of the first and last event folded in; coarse on
  -- purpose, so that a row does not time one org's run.
  first_seen_on    timestamptz NOT NULL,
  last_seen_on     timestamptz NOT NULL,
  PRIMARY KEY (pattern_id, severity, language, scanner_name, scanner_version),
  CONSTRAINT learning_pattern_aggregates_severity CHECK (severity IN ('error', 'warning', 'note'))
);

-- Runs already folded in, so that a redelivered learning message changes
-- nothing. The aggregates do not reference these ids.
CREATE TABLE learning_applied_runs (
  run_id     uuid PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
