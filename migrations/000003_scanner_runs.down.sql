DROP TABLE findings;
DROP TABLE scanner_events;
DROP TABLE scanner_runs;
