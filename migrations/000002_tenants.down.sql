DROP TABLE audit_events;
DROP TABLE org_tokens;
DROP TABLE org_policies;
DROP TABLE repositories;
DROP TABLE installations;
DROP TABLE orgs;
