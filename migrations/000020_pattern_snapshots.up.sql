-- Pattern sets and snapshots are stored encrypted (AES-256-GCM) under data
-- keys. A data key is never stored in the clear: data_key_wraps holds it
-- wrapped by key-encryption keys of the server keyring, one row per wrapping
-- key. Rotation adds a wrap under the new key and never re-encrypts a body;
-- retiring a key deletes its wraps once every data key has another one.
CREATE TABLE data_keys (
  id         uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_key_wraps (
  data_key_id uuid NOT NULL REFERENCES data_keys (id) ON DELETE CASCADE,
  key_id      text NOT NULL,
  -- AES-256-GCM nonce, ciphertext and tag; the associated data binds the
  -- wrap to data_key_id and key_id.
  wrapped     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (data_key_id, key_id)
);
CREATE INDEX data_key_wraps_key_id ON data_key_wraps (key_id);

-- Key-encryption keys that were retired. No new data key is wrapped under
-- them, even by a replica whose configuration still names one as active.
CREATE TABLE retired_keys (
  key_id     text PRIMARY KEY,
  retired_at timestamptz NOT NULL DEFAULT now()
);

-- One row per published version of the pattern set; the newest version is
-- the one that snapshots are built from.
CREATE TABLE pattern_sets (
  id             uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  version        integer NOT NULL UNIQUE,
  pattern_count  integer NOT NULL,
  -- Hex SHA-256 of the canonical pattern list, to detect a republication
  -- of identical content.
  content_sha256 text NOT NULL,
  data_key_id    uuid NOT NULL REFERENCES data_keys (id),
  ciphertext     bytea NOT NULL,
  published_by   text NOT NULL DEFAULT '',
  note           text NOT NULL DEFAULT '',
  published_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pattern_sets_version_positive CHECK (version > 0),
  CONSTRAINT pattern_sets_pattern_count CHECK (pattern_count > 0),
  CONSTRAINT pattern_sets_content_sha256 CHECK (content_sha256 ~ '^[0-9a-f]{64}$')
);

-- A snapshot is unique by its ETag (the hex SHA-256 of the plaintext), so
-- building the same content twice reuses the row.
CREATE TABLE snapshots (
  id             uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  etag           text NOT NULL UNIQUE,
  pattern_set_id uuid NOT NULL REFERENCES pattern_sets (id),
  pattern_count  integer NOT NULL,
  plaintext_size integer NOT NULL,
  data_key_id    uuid NOT NULL REFERENCES data_keys (id),
  -- AES-256-GCM nonce, ciphertext and tag, exactly as served to scanners.
  ciphertext     bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT snapshots_etag CHECK (etag ~ '^[0-9a-f]{64}$')
);

-- The current snapshot: at most one row. No row means the empty snapshot.
CREATE TABLE snapshot_current (
  singleton   boolean PRIMARY KEY DEFAULT true,
  snapshot_id uuid NOT NULL REFERENCES snapshots (id),
  marked_at   timestamptz NOT NULL DEFAULT now(),
  -- Set when a change in the learning aggregates requested a rebuild, so
  -- further changes before the rebuild do not queue more requests.
  weights_sync_requested_at timestamptz,
  CONSTRAINT snapshot_current_singleton CHECK (singleton)
);
