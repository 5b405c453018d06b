-- A scanner run is idempotent on (repository, local_run_id). The repository
-- belongs to exactly one org, so the key also scopes the run to its tenant.
CREATE TABLE scanner_runs (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  org_id          uuid NOT NULL REFERENCES orgs (id),
  repository_id   uuid NOT NULL REFERENCES repositories (id),
  local_run_id    text NOT NULL,
  commit_sha      text NOT NULL,
  ref             text,
  pull_request    integer,
  scanner_name    text,
  scanner_version text,
  status          text NOT NULL DEFAULT 'registered',
  conclusion      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz,
  CONSTRAINT scanner_runs_local_key UNIQUE (repository_id, local_run_id),
  CONSTRAINT scanner_runs_status CHECK (status IN ('registered', 'completed')),
  CONSTRAINT scanner_runs_conclusion CHECK (conclusion IN ('success', 'failure'))
);
CREATE INDEX scanner_runs_org_created ON scanner_runs (org_id, created_at);
CREATE INDEX scanner_runs_commit ON scanner_runs (repository_id, commit_sha, created_at);

CREATE TABLE scanner_events (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  run_id          uuid NOT NULL REFERENCES scanner_runs (id) ON DELETE CASCADE,
  org_id          uuid NOT NULL REFERENCES orgs (id),
  event_id        text,
  final           boolean NOT NULL,
  results_format  text NOT NULL,
  summary         text NOT NULL DEFAULT '',
  metrics         jsonb,
  finding_count   integer NOT NULL,
  metrics_stored  boolean NOT NULL,
  learning_queued boolean NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT scanner_events_event_key UNIQUE (run_id, event_id),
  CONSTRAINT scanner_events_format CHECK (results_format IN ('native', 'sarif'))
);
CREATE INDEX scanner_events_org_created ON scanner_events (org_id, created_at);
-- At most one final event per run: a second final event is a conflict.
CREATE UNIQUE INDEX scanner_events_one_final ON scanner_events (run_id) WHERE final;

CREATE TABLE findings (
  id          uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  run_id      uuid NOT NULL REFERENCES scanner_runs (id) ON DELETE CASCADE,
  event_id    uuid NOT NULL REFERENCES scanner_events (id) ON DELETE CASCADE,
  org_id      uuid NOT NULL REFERENCES orgs (id),
  pattern_id  text NOT NULL,
  path        text,
  start_line  integer,
  end_line    integer,
  severity    text NOT NULL,
  message     text NOT NULL,
  fingerprint text NOT NULL,
  kind        text NOT NULL DEFAULT 'fail',
  suppressed  boolean NOT NULL DEFAULT false,
  language    text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT findings_severity CHECK (severity IN ('error', 'warning', 'note'))
);
CREATE INDEX findings_run_id ON findings (run_id, id);
CREATE INDEX findings_org_created ON findings (org_id, created_at);
