package reliability

import (
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// tenantTables lists, per table, a query of the rows that belong to one
// org ($1), in a stable order. Columns that a read updates (last_used_at)
// are left out.
var tenantTables = map[string]string{
	"orgs":           `SELECT id, login, github_account_id FROM orgs WHERE id = $1`,
	"installations":  `SELECT i FROM installations i WHERE org_id = $1 ORDER BY id`,
	"repositories":   `SELECT r FROM repositories r WHERE org_id = $1 ORDER BY id`,
	"org_policies":   `SELECT p FROM org_policies p WHERE org_id = $1`,
	"org_tokens":     `SELECT id, token_hash, expires_at, revoked_at FROM org_tokens WHERE org_id = $1 ORDER BY id`,
	"scanner_runs":   `SELECT s FROM scanner_runs s WHERE org_id = $1 ORDER BY id`,
	"scanner_events": `SELECT e FROM scanner_events e WHERE org_id = $1 ORDER BY id`,
	"findings":       `SELECT f FROM findings f WHERE org_id = $1 ORDER BY id`,
	"check_runs":     `SELECT c FROM check_runs c WHERE org_id = $1 ORDER BY id`,
	"audit_events":   `SELECT a FROM audit_events a WHERE org_id = $1 ORDER BY id`,
	"checks_queue": `SELECT q.msg_id, q.message FROM pgmq.q_centralcloud_checks q
		WHERE (q.message->>'server_run_id')::uuid IN (SELECT id FROM scanner_runs WHERE org_id = $1)
		   OR (q.message->>'check_id')::uuid IN (SELECT id FROM check_runs WHERE org_id = $1)
		ORDER BY q.msg_id`,
}

// tenantState returns every row of the org, by table, as text, so two
// calls compare equal exactly when nothing of the org changed.
func (e *env) tenantState(orgID uuid.UUID) map[string][]string {
	e.t.Helper()
	state := map[string][]string{}
	for table, query := range tenantTables {
		rows, err := e.pool.Query(e.ctx, `SELECT t::text FROM (`+query+`) t`, orgID)
		require.NoError(e.t, err, table)
		for rows.Next() {
			var row string
			require.NoError(e.t, rows.Scan(&row), table)
			state[table] = append(state[table], row)
		}
		require.NoError(e.t, rows.Err(), table)
		rows.Close()
	}
	return state
}

// takeCheckMessages removes the tenant's messages from the checks queue,
// oldest first; other tests' messages stay.
func (e *env) takeCheckMessages(ten tenant) [][]byte {
	e.t.Helper()
	rows, err := e.pool.Query(e.ctx, `WITH taken AS (DELETE FROM pgmq.q_centralcloud_checks q
		WHERE (q.message->'repository'->>'id')::bigint = $1
		   OR (q.message->>'server_run_id')::uuid IN (SELECT id FROM scanner_runs WHERE org_id = $2)
		   OR (q.message->>'check_id')::uuid IN (SELECT id FROM check_runs WHERE org_id = $2)
		RETURNING q.msg_id, q.message) SELECT message FROM taken ORDER BY msg_id`, ten.repo.ID, ten.org.ID)
	require.NoError(e.t, err)
	defer rows.Close()
	var bodies [][]byte
	for rows.Next() {
		var body []byte
		require.NoError(e.t, rows.Scan(&body))
		bodies = append(bodies, body)
	}
	require.NoError(e.t, rows.Err())
	return bodies
}

// drainChecks handles the tenant's check messages as a worker would until
// none is left, and returns how many it handled.
func (e *env) drainChecks(ten tenant) int {
	e.t.Helper()
	handled := 0
	for range 20 {
		bodies := e.takeCheckMessages(ten)
		if len(bodies) == 0 {
			return handled
		}
		for _, body := range bodies {
			require.NoError(e.t, e.app.Checks().HandleMessage(e.ctx, body), string(body))
			handled++
		}
	}
	e.t.Fatal("check messages kept coming after 20 rounds")
	return handled
}
