package bench

import (
	"context"
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// bareSnapshotHandler is the limit for GET /patterns/snapshot. It sends the
// same headers and body as the service and seals a data key to the client
// key per 200 response. It compares If-None-Match as one string and has no
// authentication, validation or metrics.
func bareSnapshotHandler(etag string, body []byte) http.Handler {
	quoted := wire.QuoteETag(etag)
	dataKey := make([]byte, wire.DataKeySize)
	_, _ = rand.Read(dataKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Vary", "Authorization, X-Client-Key")
		h.Set("ETag", quoted)
		h.Set("Cache-Control", "private, no-cache")
		if r.Header.Get("If-None-Match") == quoted {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		suite, encoded, _ := strings.Cut(r.Header.Get("X-Client-Key"), " ")
		raw, _ := base64.StdEncoding.DecodeString(encoded)
		kem, err := wire.Suite(suite).KEM()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		pub, err := kem.NewPublicKey(raw)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sealed, _ := hpke.Seal(pub, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte("centralcloud/snapshot-key/v1:"+etag), dataKey)
		h.Set("X-Snapshot-Key", suite+" "+base64.StdEncoding.EncodeToString(sealed))
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// bareWebhookHandler is the limit for webhook deliveries: it reads the
// body, checks the HMAC-SHA256 signature and returns 200, storing nothing.
func bareWebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if !hmac.Equal([]byte(r.Header.Get("X-Hub-Signature-256")), []byte(signature(body, secret))) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
}

// signature is GitHub's X-Hub-Signature-256 header value for body.
func signature(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// BareConfig is the content that the bare limit handlers serve.
type BareConfig struct {
	// ETag is the current snapshot's ETag, unquoted, and SnapshotBody its
	// encrypted body.
	ETag         string `json:"etag"`
	SnapshotBody []byte `json:"snapshot_body"`
	// WebhookSecret checks delivery signatures; empty serves no webhooks.
	WebhookSecret string `json:"webhook_secret"`
	// DatabaseURL, OrgID and RepositoryID let the bare handlers register
	// runs with store.RegisterRun; an empty URL serves no runs.
	DatabaseURL  string    `json:"database_url"`
	OrgID        uuid.UUID `json:"org_id"`
	RepositoryID uuid.UUID `json:"repository_id"`
}

// NewBareHandler returns the limits of the HTTP scenarios on the service's
// paths, GET /patterns/snapshot, POST /api/github/hook and POST
// /scanner/runs, and the function that closes its database pool.
func NewBareHandler(ctx context.Context, c BareConfig) (http.Handler, func(), error) {
	mux := http.NewServeMux()
	mux.Handle("GET "+snapshotPath, bareSnapshotHandler(c.ETag, c.SnapshotBody))
	if c.WebhookSecret != "" {
		mux.Handle("POST "+webhookPath, bareWebhookHandler(c.WebhookSecret))
	}
	if c.DatabaseURL == "" {
		return mux, func() {}, nil
	}
	pool, err := database.Open(ctx, c.DatabaseURL, database.PoolOptions{ApplicationName: "centralcloud-bench-bare"})
	if err != nil {
		return nil, nil, err
	}
	runs, err := newRunStatement(pool, c.OrgID, c.RepositoryID)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	mux.Handle("POST "+runsPath, bareRunsHandler(runs))
	return mux, pool.Close, nil
}

// bareRunsHandler is the HTTP limit for POST /scanner/runs: it decodes the
// local run id and commit, runs store.RegisterRun's statement and returns
// the id, with no authentication, validation, policy defaults or metrics.
func bareRunsHandler(runs *runStatement) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			LocalRunID string `json:"local_run_id"`
			Commit     string `json:"commit"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		reg, err := runs.register(r.Context(), req.LocalRunID, req.Commit)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"server_run_id": reg.Run.ID.String()})
	})
}

// StartBareInProcess serves NewBareHandler on a free loopback port of
// this process until stop is called. It is the default of
// Target.StartBare.
func StartBareInProcess(c BareConfig) (url string, stop func(), err error) {
	h, closePool, err := NewBareHandler(context.Background(), c)
	if err != nil {
		return "", nil, err
	}
	url, stopServer, err := bareServer(h)
	if err != nil {
		closePool()
		return "", nil, err
	}
	return url, func() {
		stopServer()
		closePool()
	}, nil
}

// bareServer serves h on a free loopback port until stop is called.
func bareServer(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
