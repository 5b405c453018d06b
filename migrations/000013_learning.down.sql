DROP TABLE learning_applied_runs;
DROP TABLE learning_pattern_aggregates;
