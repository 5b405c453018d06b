package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/scannerapi/client"
	"github.com/centralcloud/centralcloud/snapshots"
	snapclient "github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// snapshotServer serves the runs endpoint and the real snapshot handler
// from a snapshots.Cache, which holds the empty snapshot until one is
// loaded from a database.
type snapshotServer struct {
	url    string
	inline bool
	// tamper changes the inline snapshot before it is sent.
	tamper func(*wire.Inline)
}

func newSnapshotServer(t *testing.T, inline bool, tamper func(*wire.Inline)) *snapshotServer {
	t.Helper()
	s := &snapshotServer{inline: inline, tamper: tamper}
	cache := snapshots.NewCache(nil, nil, snapshots.CacheOptions{})
	mux := http.NewServeMux()
	mux.Handle("/patterns/snapshot", snapshots.NewHandler(cache))
	mux.HandleFunc("POST /scanner/runs", func(w http.ResponseWriter, r *http.Request) {
		var req client.RunRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp := map[string]any{"server_run_id": "run-1", "patterns_etag": cache.ETag(),
			"patterns_changed": req.ETag != cache.ETag()}
		if s.inline && req.ETag != cache.ETag() {
			in, err := cache.Inline(r.Header.Get(wire.HeaderClientKey))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if s.tamper != nil {
				s.tamper(in)
			}
			resp["snapshot"] = in
		}
		jsonReply(http.StatusCreated, resp)(w, r, nil)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *snapshotServer) client(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(s.url, client.Options{Token: "cct_test"})
	require.NoError(t, err)
	return c
}

func TestSnapshotInlineIsVerified(t *testing.T) {
	t.Parallel()
	c := newSnapshotServer(t, true, nil).client(t)

	run, err := c.RegisterRun(context.Background(), runRequest)
	require.NoError(t, err)
	require.True(t, run.PatternsChanged)
	require.NotNil(t, run.Snapshot)
	snapshot, err := c.SyncSnapshot(context.Background(), run)
	require.NoError(t, err)
	require.Equal(t, snapshots.EmptyETag(), snapshot.ETag)
	require.Equal(t, wire.FormatVersion, snapshot.Document.Format)

	again, err := c.RegisterRun(context.Background(), runRequest)
	require.NoError(t, err)
	require.False(t, again.PatternsChanged, "the client sends the ETag of its last snapshot")
	require.Nil(t, again.Snapshot)
	same, err := c.SyncSnapshot(context.Background(), again)
	require.NoError(t, err)
	require.Same(t, snapshot, same)
}

func TestSnapshotFetchedWithoutInline(t *testing.T) {
	t.Parallel()
	c := newSnapshotServer(t, false, nil).client(t)

	run, err := c.RegisterRun(context.Background(), runRequest)
	require.NoError(t, err)
	require.Nil(t, run.Snapshot)
	snapshot, err := c.SyncSnapshot(context.Background(), run)
	require.NoError(t, err)
	require.Equal(t, run.PatternsETag, snapshot.ETag)
}

func TestSnapshotTamperedIsRejected(t *testing.T) {
	t.Parallel()
	cases := map[string]func(*wire.Inline){
		"ciphertext": func(in *wire.Inline) { in.Ciphertext[len(in.Ciphertext)-1] ^= 1 },
		"sealed key": func(in *wire.Inline) { in.SealedKey[len(in.SealedKey)-1] ^= 1 },
		"etag":       func(in *wire.Inline) { in.ETag = wire.ComputeETag([]byte("other")) },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newSnapshotServer(t, true, tamper).client(t)
			run, err := c.RegisterRun(context.Background(), runRequest)
			require.NoError(t, err)
			_, err = c.SyncSnapshot(context.Background(), run)
			require.ErrorIs(t, err, snapclient.ErrInvalidSnapshot)
		})
	}
}
