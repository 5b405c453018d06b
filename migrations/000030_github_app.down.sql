DROP TABLE check_runs;
DROP TABLE webhook_deliveries;
