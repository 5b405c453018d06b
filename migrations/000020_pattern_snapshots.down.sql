DROP TABLE snapshot_current;
DROP TABLE snapshots;
DROP TABLE pattern_sets;
DROP TABLE retired_keys;
DROP TABLE data_key_wraps;
DROP TABLE data_keys;
