package reliability

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// victim is what tenant B owns when tenant A starts probing.
type victim struct {
	orgTokenRun          string
	installationTokenRun string
	eventID              string
}

// seedVictim installs the App for both tenants and gives B two runs, an
// event and a Check Run.
func (e *env) seedVictim() victim {
	e.t.Helper()
	for _, ten := range []tenant{e.a, e.b} {
		r := e.deliverSigned("installation", uuid.NewString(), ten.installedPayload(e.t))
		require.Equal(e.t, http.StatusOK, r.status, string(r.raw))
	}
	v := victim{eventID: "b-batch-1"}
	v.orgTokenRun = e.registerRun(e.b, e.b.orgToken, "b-1")
	v.installationTokenRun = e.registerRun(e.b, e.b.installationToken, "b-2")
	r := e.post("/scanner/events", e.b.orgToken, eventBody(v.orgTokenRun, v.eventID, false))
	require.Equal(e.t, http.StatusOK, r.status, string(r.raw))
	r = e.deliverSigned("pull_request", uuid.NewString(), e.b.pullRequestPayload(e.t, commitTwo))
	require.Equal(e.t, http.StatusOK, r.status, string(r.raw))
	require.Positive(e.t, e.drainChecks(e.b))
	var checkRuns int
	require.NoError(e.t, e.pool.QueryRow(e.ctx, `SELECT count(*) FROM check_runs WHERE org_id = $1`, e.b.org.ID).Scan(&checkRuns))
	require.Equal(e.t, 2, checkRuns, "tenant B's Check Runs: one per commit")
	return v
}

// probe is one request of tenant A aimed at an object of tenant B, and
// the request for an object that does not exist which must get the same
// response.
type probe struct {
	name   string
	status int
	// send sends the probe with token; absent selects the request for the
	// object that does not exist.
	send func(e *env, token string, absent bool) response
	// id is the object's identifier in the response's detail, replaced
	// before the two responses are compared.
	id func(absent bool) string
}

func isolationProbes(v victim, b tenant) []probe {
	absentRun := uuid.Must(uuid.NewV7()).String()
	pick := func(run string) func(bool) string {
		return func(absent bool) string {
			if absent {
				return absentRun
			}
			return run
		}
	}
	eventProbe := func(name, run string, final bool) probe {
		return probe{name: name, status: http.StatusNotFound, id: pick(run),
			send: func(e *env, token string, absent bool) response {
				return e.post("/scanner/events", token, eventBody(pick(run)(absent), v.eventID, final))
			}}
	}
	repoProbe := func(name, owner, localRunID string) probe {
		absentOwner := "absent-" + strings.ToLower(uuid.NewString()[:8])
		ownerFor := func(absent bool) string {
			if absent {
				return absentOwner
			}
			return owner
		}
		return probe{name: name, status: http.StatusForbidden, id: ownerFor,
			send: func(e *env, token string, absent bool) response {
				return e.post("/scanner/runs", token, runBody(ownerFor(absent), b.repo.Name, localRunID, commitOne))
			}}
	}
	return []probe{
		repoProbe("register run in B repository with B local_run_id", b.login, "b-1"),
		repoProbe("register new run in B repository", b.login, "a-probe"),
		repoProbe("register run in B repository upper-case owner", strings.ToUpper(b.login), "b-1"),
		eventProbe("batch event on B org-token run", v.orgTokenRun, false),
		eventProbe("final event on B org-token run", v.orgTokenRun, true),
		eventProbe("final event on B installation-token run", v.installationTokenRun, true),
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	v := e.seedVictim()
	before := e.tenantState(e.b.org.ID)
	require.Len(t, before["scanner_runs"], 2)
	require.Len(t, before["scanner_events"], 1)
	require.Len(t, before["findings"], 1)
	require.Len(t, before["check_runs"], 2)
	require.Len(t, before["installations"], 1)
	credentials := map[string]string{"org token": e.a.orgToken, "installation token": e.a.installationToken}

	for credential, token := range credentials {
		for _, p := range isolationProbes(v, e.b) {
			name := credential + ": " + p.name
			forbidden := p.send(e, token, false)
			requireProblem(t, forbidden, p.status)
			absent := p.send(e, token, true)
			requireProblem(t, absent, p.status)
			require.Equal(t, withoutID(absent, p.id(true)), withoutID(forbidden, p.id(false)),
				"%s: answer differs from the one for an object that does not exist", name)
			// A run id may appear only where the request sent it.
			for _, run := range []string{v.orgTokenRun, v.installationTokenRun} {
				if run != p.id(false) {
					require.NotContains(t, string(forbidden.raw), run, name)
				}
			}
		}
	}
	require.Equal(t, before, e.tenantState(e.b.org.ID), "tenant B's rows changed")
}

// withoutID is the problem body with the probed object's id replaced, so
// that the responses for two objects compare equal when their content
// is the same.
func withoutID(r response, id string) map[string]any {
	out := map[string]any{}
	for k, v := range r.body {
		if s, ok := v.(string); ok {
			v = strings.ReplaceAll(s, id, "<id>")
		}
		out[k] = v
	}
	out["content-type"] = r.header.Get("Content-Type")
	return out
}

// TestEventIDScopedToRun checks that an event_id that tenant B used does
// not make tenant A's event a duplicate, which would return B's response.
func TestEventIDScopedToRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	v := e.seedVictim()
	for credential, token := range map[string]string{"org": e.a.orgToken, "installation": e.a.installationToken} {
		run := e.registerRun(e.a, token, "a-"+credential)
		r := e.post("/scanner/events", token, eventBody(run, v.eventID, false))
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
		require.Equal(t, false, r.body["duplicate"], credential)
	}
}

// TestSnapshotSameForEveryTenant checks that the snapshot endpoint holds
// no per-tenant data: both tenants, with either credential, get the same
// ETag, and a foreign ETag revalidates like an own one.
func TestSnapshotSameForEveryTenant(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tokens := []string{e.a.orgToken, e.a.installationToken, e.b.orgToken, e.b.installationToken}
	var etags []string
	for _, token := range tokens {
		r := e.do(http.MethodHead, "/patterns/snapshot", token, nil)
		require.Equal(t, http.StatusOK, r.status)
		require.NotEmpty(t, r.header.Get("ETag"))
		require.Contains(t, r.header.Values("Vary"), "Authorization, X-Client-Key")
		etags = append(etags, r.header.Get("ETag"))
	}
	for _, etag := range etags[1:] {
		require.Equal(t, etags[0], etag)
	}
	req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, e.srv.URL+"/patterns/snapshot", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.a.orgToken)
	req.Header.Set("If-None-Match", etags[3])
	require.Equal(t, http.StatusNotModified, send(t, req).status)

	r := e.do(http.MethodHead, "/patterns/snapshot", "cct_"+strings.Repeat("0", 40), nil)
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Empty(t, r.header.Get("ETag"))
}
