-- Tenants: an org is the tenant. It may exist before the GitHub App is
-- installed on the account of the same login, and the installation row links
-- to it when the App is installed.
CREATE TABLE orgs (
  id                uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  login             text NOT NULL,
  github_account_id bigint UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orgs_login_length CHECK (char_length(login) BETWEEN 1 AND 39)
);
-- GitHub logins are case-insensitive.
CREATE UNIQUE INDEX orgs_login_key ON orgs (lower(login));

CREATE TABLE installations (
  id                     uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  github_installation_id bigint NOT NULL UNIQUE,
  org_id                 uuid NOT NULL REFERENCES orgs (id),
  account_login          text NOT NULL,
  account_type           text NOT NULL DEFAULT 'Organization',
  status                 text NOT NULL DEFAULT 'active',
  permissions            jsonb NOT NULL DEFAULT '{}',
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT installations_status CHECK (status IN ('active', 'suspended', 'deleted'))
);
CREATE INDEX installations_org_id ON installations (org_id);

CREATE TABLE repositories (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  org_id          uuid NOT NULL REFERENCES orgs (id),
  owner           text NOT NULL,
  name            text NOT NULL,
  github_repo_id  bigint UNIQUE,
  installation_id uuid REFERENCES installations (id),
  removed_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repositories_org_name_key ON repositories (org_id, lower(name));

-- Per-org policy overrides. NULL means "use the configured default".
CREATE TABLE org_policies (
  org_id            uuid PRIMARY KEY REFERENCES orgs (id),
  telemetry_enabled boolean,
  learning_enabled  boolean,
  fail_on           text,
  retention_days    integer,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT org_policies_fail_on CHECK (fail_on IN ('error', 'warning', 'note')),
  CONSTRAINT org_policies_retention_days CHECK (retention_days > 0)
);

-- Org API tokens. Only the SHA-256 of the token is stored.
CREATE TABLE org_tokens (
  id           uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  org_id       uuid NOT NULL REFERENCES orgs (id),
  name         text NOT NULL DEFAULT '',
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz
);
CREATE INDEX org_tokens_org_id ON org_tokens (org_id);

CREATE TABLE audit_events (
  id            uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  org_id        uuid REFERENCES orgs (id),
  actor         text NOT NULL,
  action        text NOT NULL,
  reason        text NOT NULL DEFAULT '',
  server_run_id uuid,
  details       jsonb NOT NULL DEFAULT '{}',
  -- clock_timestamp(), not now(), so that several events written in one
  -- transaction still list in the order they were written.
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_events_org_created ON audit_events (org_id, created_at);
CREATE INDEX audit_events_action ON audit_events (action, created_at);
