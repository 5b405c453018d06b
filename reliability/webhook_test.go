package reliability

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// deliveryRows counts the stored deliveries with the id.
func (e *env) deliveryRows(deliveryID string) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM webhook_deliveries WHERE delivery_id = $1`,
		deliveryID).Scan(&n))
	return n
}

func (e *env) installationStatus(ten tenant) string {
	e.t.Helper()
	var status string
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT status FROM installations WHERE github_installation_id = $1`,
		ten.installationID).Scan(&status))
	return status
}

// installBoth delivers installation.created for both tenants and returns
// their rows afterwards.
func (e *env) installBoth() (a, b map[string][]string) {
	e.t.Helper()
	for _, ten := range []tenant{e.a, e.b} {
		r := e.deliverSigned("installation", uuid.NewString(), ten.installedPayload(e.t))
		require.Equal(e.t, http.StatusOK, r.status, string(r.raw))
	}
	e.registerRun(e.b, e.b.orgToken, "b-1")
	return e.tenantState(e.a.org.ID), e.tenantState(e.b.org.ID)
}

func TestWebhookBodyChangedAfterSigning(t *testing.T) {
	t.Parallel()
	e := setup(t)
	stateA, stateB := e.installBoth()
	c := newTenantIDs(t, "rel-c")
	signed := c.installedPayload(t)
	signature := sign(signed, testWebhookSecret)

	intoB := bytes.Replace(signed, []byte(c.login), []byte(e.b.login), -1)
	require.NotEqual(t, signed, intoB)
	cases := map[string][]byte{
		"account login swapped for B's": intoB,
		"trailing space":                append(bytes.Clone(signed), ' '),
		"truncated":                     signed[:len(signed)-1],
		"one byte flipped":              flipByte(signed, len(signed)/2),
		"empty":                         {},
	}
	for name, body := range cases {
		deliveryID := uuid.NewString()
		r := e.deliver("installation", deliveryID, body, signature)
		require.Equal(t, http.StatusBadRequest, r.status, name)
		require.Zero(t, e.deliveryRows(deliveryID), name)
	}
	var orgs int
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM orgs WHERE github_account_id = $1 OR login = $2`,
		c.accountID, c.login).Scan(&orgs))
	require.Zero(t, orgs, "org of the forged installation")
	require.Equal(t, stateA, e.tenantState(e.a.org.ID))
	require.Equal(t, stateB, e.tenantState(e.b.org.ID))
}

func flipByte(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

// TestWebhookReplayedSuspendProcessedOnce replays a signed suspend after
// the unsuspend that followed it: processing the replay would suspend the
// tenant again.
func TestWebhookReplayedSuspendProcessedOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.installBoth()
	suspend := payload(t, "installation/suspend.json", e.a.patchInstallation)
	unsuspend := payload(t, "installation/unsuspend.json", e.a.patchInstallation)
	suspendID := uuid.NewString()

	require.Equal(t, http.StatusOK, e.deliverSigned("installation", suspendID, suspend).status)
	require.Equal(t, "suspended", e.installationStatus(e.a))
	require.Equal(t, http.StatusOK, e.deliverSigned("installation", uuid.NewString(), unsuspend).status)
	require.Equal(t, "active", e.installationStatus(e.a))

	for range 3 {
		r := e.deliverSigned("installation", suspendID, suspend)
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
	}
	require.Equal(t, "active", e.installationStatus(e.a))
	require.Equal(t, 1, e.deliveryRows(suspendID))
	r := e.post("/scanner/runs", e.a.orgToken, runBody(e.a.login, e.a.repo.Name, "after-replay", commitOne))
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
}

// TestWebhookUnknownInstallationTouchesNoTenant delivers validly signed
// installation events for installations that were never stored.
func TestWebhookUnknownInstallationTouchesNoTenant(t *testing.T) {
	t.Parallel()
	e := setup(t)
	stateA, stateB := e.installBoth()

	c := newTenantIDs(t, "rel-c")
	// An account that reuses B's login under another account id.
	renamed := newTenantIDs(t, "rel-d")
	renamed.login = e.b.login
	// An unknown installation that claims B's repository id.
	claimant := newTenantIDs(t, "rel-e")
	claimant.repo = e.b.repo
	claimant.repo.Owner = claimant.login

	deliveries := []struct {
		name, event string
		body        []byte
		// claimsRepository marks a delivery that moves B's repository id
		// to another account, as GitHub reports a transfer.
		claimsRepository bool
	}{
		{"created for a new account", "installation", c.installedPayload(t), false},
		{"suspend of a never stored installation", "installation",
			payload(t, "installation/suspend.json", newTenantIDs(t, "rel-f").patchInstallation), false},
		{"deleted of a never stored installation", "installation",
			payload(t, "installation/deleted.json", newTenantIDs(t, "rel-g").patchInstallation), false},
		{"created for B's login under another account", "installation", renamed.installedPayload(t), false},
		{"created claiming B's repository id", "installation", claimant.installedPayload(t), true},
		{"repositories added claiming B's repository id", "installation_repositories",
			payload(t, "installation_repositories/added.json", func(p map[string]any) {
				newTenantIDs(t, "rel-h").patchInstallation(p)
				p["repositories_added"] = []any{map[string]any{
					"id": e.b.repo.ID, "name": e.b.repo.Name, "full_name": e.b.login + "/" + e.b.repo.Name,
				}}
				p["repositories_removed"] = []any{}
			}), true},
	}
	for _, d := range deliveries {
		r := e.deliverSigned(d.event, uuid.NewString(), d.body)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", d.name, r.raw)
		require.Equal(t, stateA, e.tenantState(e.a.org.ID), d.name)
		after := e.tenantState(e.b.org.ID)
		if d.claimsRepository {
			e.requireRepositoryDetached(e.b)
			after["repositories"] = stateB["repositories"]
		}
		require.Equal(t, stateB, after, d.name)
	}
	var orgs int
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM orgs WHERE github_account_id = $1`,
		c.accountID).Scan(&orgs))
	require.Equal(t, 1, orgs, "org of the new account")
	var claimedBy []string
	rows, err := e.pool.Query(e.ctx, `SELECT o.login FROM repositories r JOIN orgs o ON o.id = r.org_id
		WHERE r.github_repo_id = $1`, e.b.repo.ID)
	require.NoError(t, err)
	for rows.Next() {
		var login string
		require.NoError(t, rows.Scan(&login))
		claimedBy = append(claimedBy, login)
	}
	require.NoError(t, rows.Err())
	require.Len(t, claimedBy, 1, "rows with B's former repository id")
	require.NotEqual(t, e.b.login, claimedBy[0])
}

// requireRepositoryDetached checks that the tenant's repository row, after
// GitHub reported its id under another account, still belongs to the
// tenant and its installation but no longer carries the GitHub id.
func (e *env) requireRepositoryDetached(ten tenant) {
	e.t.Helper()
	var owner string
	var githubID *int64
	var removed, ownInstallation bool
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT r.owner, r.github_repo_id, r.removed_at IS NOT NULL,
		  i.github_installation_id = $2
		FROM repositories r JOIN installations i ON i.id = r.installation_id
		WHERE r.org_id = $1 AND r.name = $3`, ten.org.ID, ten.installationID, ten.repo.Name).
		Scan(&owner, &githubID, &removed, &ownInstallation))
	require.Equal(e.t, ten.login, owner)
	require.Nil(e.t, githubID)
	require.True(e.t, removed)
	require.True(e.t, ownInstallation)
}
