package snapshots

import (
	"crypto/hpke"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// benchSnapshotSize is the plaintext size of the benchmark's snapshot.
const benchSnapshotSize = 256 << 10

// benchSnapshot builds an encrypted snapshot of about benchSnapshotSize
// bytes in memory.
func benchSnapshot(b *testing.B) *Snapshot {
	b.Helper()
	doc := wire.Document{Format: wire.FormatVersion}
	rule := strings.Repeat("call(exec.Command) & arg(0: tainted) | ", 25)
	for size := 0; size < benchSnapshotSize; size += len(rule) + 120 {
		doc.Patterns = append(doc.Patterns, wire.Pattern{
			ID: fmt.Sprintf("go.bench-%05d", len(doc.Patterns)), Language: "go", Severity: "warning",
			Message: "Command built from request data", Rule: rule, Tags: []string{"security"},
		})
	}
	plaintext, err := wire.Canonical(doc)
	if err != nil {
		b.Fatal(err)
	}
	etag := wire.ComputeETag(plaintext)
	key := make([]byte, wire.DataKeySize)
	_, _ = rand.Read(key)
	body, err := wire.EncryptBody(key, etag, plaintext, nil)
	if err != nil {
		b.Fatal(err)
	}
	return newSnapshot(etag, body, key, len(doc.Patterns), len(plaintext), time.Now())
}

// bareHandler is the baseline: a plain net/http handler that sends the same
// headers, HPKE seal and body, but compares If-None-Match as one string and
// has no input validation, problem details or metrics.
func bareHandler(s *Snapshot) http.Handler {
	quoted := wire.QuoteETag(s.ETag)
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
		kem, _ := wire.Suite(suite).KEM()
		pub, err := kem.NewPublicKey(raw)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		sealed, _ := hpke.Seal(pub, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte("centralcloud/snapshot-key/v1:"+s.ETag), s.dataKey)
		h.Set("X-Snapshot-Key", suite+" "+base64.StdEncoding.EncodeToString(sealed))
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(s.Ciphertext)))
		_, _ = w.Write(s.Ciphertext)
	})
}

// BenchmarkSnapshotEndpoint measures requests per second over loopback for
// the 304 path and the 200 path, each for the real handler and the bare
// baseline, in the order real, bare, bare, real. Run:
// go test -run '^$' -bench SnapshotEndpoint ./snapshots/
func BenchmarkSnapshotEndpoint(b *testing.B) {
	snap := benchSnapshot(b)
	metrics, err := RegisterMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	cache := NewCache(nil, nil, CacheOptions{Metrics: metrics})
	cache.swap(snap)
	priv, err := wire.SuiteX25519.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	clientKey, _ := wire.FormatClientKey(priv.PublicKey())
	ours := struct {
		name    string
		handler http.Handler
	}{"centralcloud", NewHandler(cache)}
	bare := ours
	bare.name, bare.handler = "bare", bareHandler(snap)
	// ABBA order cancels the drift of a shared machine between the runs
	// of a pair; Go names the repeated runs "#01".
	handlers := []struct {
		name    string
		handler http.Handler
	}{ours, bare, bare, ours}
	paths := []struct {
		name, ifNoneMatch string
		status            int
	}{{"304", wire.QuoteETag(snap.ETag), http.StatusNotModified}, {"200", "", http.StatusOK}}
	for _, path := range paths {
		for _, h := range handlers {
			b.Run(path.name+"/"+h.name, func(b *testing.B) {
				benchmarkEndpoint(b, h.handler, clientKey, path.ifNoneMatch, path.status)
			})
		}
	}
}

func benchmarkEndpoint(b *testing.B, handler http.Handler, clientKey, ifNoneMatch string, status int) {
	srv := httptest.NewServer(handler)
	defer srv.Close()
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set("Authorization", "Bearer cct_benchmark")
			req.Header.Set("X-Client-Key", clientKey)
			if ifNoneMatch != "" {
				req.Header.Set("If-None-Match", ifNoneMatch)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != status {
				b.Errorf("status %d, expected %d", resp.StatusCode, status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkSnapshotHandler measures the handlers alone, without network or
// client: the cost that each adds to a request.
func BenchmarkSnapshotHandler(b *testing.B) {
	snap := benchSnapshot(b)
	metrics, err := RegisterMetrics(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	cache := NewCache(nil, nil, CacheOptions{Metrics: metrics})
	cache.swap(snap)
	priv, err := wire.SuiteX25519.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	clientKey, _ := wire.FormatClientKey(priv.PublicKey())
	for _, path := range []struct{ name, ifNoneMatch string }{{"304", wire.QuoteETag(snap.ETag)}, {"200", ""}} {
		for _, h := range []struct {
			name    string
			handler http.Handler
		}{{"centralcloud", NewHandler(cache)}, {"bare", bareHandler(snap)}} {
			b.Run(path.name+"/"+h.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/patterns/snapshot", nil)
				req.Header.Set("X-Client-Key", clientKey)
				if path.ifNoneMatch != "" {
					req.Header.Set("If-None-Match", path.ifNoneMatch)
				}
				b.ReportAllocs()
				for b.Loop() {
					h.handler.ServeHTTP(discardWriter{header: http.Header{}}, req)
				}
			})
		}
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the handler rather than a recorder's copying.
type discardWriter struct{ header http.Header }

func (w discardWriter) Header() http.Header         { return w.header }
func (w discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w discardWriter) WriteHeader(int)             {}
