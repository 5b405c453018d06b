-- Webhook deliveries, keyed by GitHub's X-GitHub-Delivery GUID. GitHub
-- repeats the GUID when it redelivers an event, so the unique key makes a
-- redelivery a no-op. The row is written in the same transaction as the
-- delivery's effects, so a failed delivery leaves no row and can be retried.
CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  delivery_id     text NOT NULL,
  event           text NOT NULL,
  action          text NOT NULL DEFAULT '',
  installation_id bigint,
  repository      text,
  received_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_deliveries_delivery_key UNIQUE (delivery_id),
  CONSTRAINT webhook_deliveries_delivery_length CHECK (char_length(delivery_id) BETWEEN 1 AND 200)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);

-- Our record of the CentralCloud check runs on GitHub. One row per check run
-- that we create (or commit status that stands in for one). The trigger key
-- makes each trigger create at most one run: 'initial' for the first run of a
-- commit (pull_request, check_suite.requested, merge_group or a scanner
-- registration), 'rerequest:<delivery id>' for a rerequest and
-- 'run:<server_run_id>' for a scanner run on a commit whose check already
-- completed. At most one row per commit is current; a rerequest makes its new
-- row current, because GitHub never reopens a completed run.
CREATE TABLE check_runs (
  id                      uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  org_id                  uuid NOT NULL REFERENCES orgs (id),
  repository_id           uuid NOT NULL REFERENCES repositories (id),
  head_sha                text NOT NULL,
  trigger_id              text NOT NULL,
  current                 boolean NOT NULL DEFAULT false,
  -- 'check_run', or 'commit_status' when the installation lacks the checks
  -- permission.
  mode                    text NOT NULL DEFAULT 'check_run',
  -- 'pending' until the run exists on GitHub, then GitHub's own status.
  status                  text NOT NULL DEFAULT 'pending',
  conclusion              text,
  github_check_run_id     bigint,
  server_run_id           uuid REFERENCES scanner_runs (id) ON DELETE SET NULL,
  -- Annotation progress: GitHub appends the annotations of every update,
  -- so a retried completion resumes after the last batch sent.
  annotations_total       integer NOT NULL DEFAULT 0,
  annotation_batches_sent integer NOT NULL DEFAULT 0,
  attempts                integer NOT NULL DEFAULT 0,
  last_error              text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  completed_at            timestamptz,
  CONSTRAINT check_runs_trigger_key UNIQUE (repository_id, head_sha, trigger_id),
  CONSTRAINT check_runs_mode CHECK (mode IN ('check_run', 'commit_status')),
  CONSTRAINT check_runs_status CHECK (status IN ('pending', 'queued', 'in_progress', 'completed')),
  CONSTRAINT check_runs_head_sha CHECK (head_sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$')
);
CREATE UNIQUE INDEX check_runs_current_key ON check_runs (repository_id, head_sha) WHERE current;
CREATE INDEX check_runs_github_id ON check_runs (github_check_run_id);
CREATE INDEX check_runs_open ON check_runs (updated_at) WHERE status <> 'completed';
CREATE INDEX check_runs_server_run ON check_runs (server_run_id);
