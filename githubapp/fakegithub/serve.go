package fakegithub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/centralcloud/centralcloud/internal/logkey"
)

// maxRequestBytes bounds request bodies. The largest valid check-run update,
// 50 annotations with 64 KB message and raw_details each plus the output
// text, is about 7 MB.
const maxRequestBytes = 8 << 20

// exchange is one request as the pipeline and the route handler see it.
type exchange struct {
	r              *http.Request
	route          string
	body           []byte
	requestID      string
	received       time.Time
	rateBucket     string // empty until the request is authenticated
	installationID int64
	installation   *installation // set by installation-token authentication
	token          *accessToken
}

// serve runs one request through faults, authentication, rate limiting, the
// route handler and conditional GET, then records and writes the response.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, route string, auth authMode, h handler) {
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	ex := &exchange{r: r, route: route, body: body, requestID: s.newRequestID()}
	fault := s.takeFault(route)
	if fault != nil && fault.Latency > 0 && !waitContext(r.Context(), fault.Latency) {
		s.log.Debug().Str(logkey.RequestID, ex.requestID).Msg("request canceled during injected latency")
		return
	}

	s.mu.Lock()
	ex.received = s.now()
	rp := s.process(ex, auth, h, fault, readErr)
	s.finish(ex, &rp)
	s.mu.Unlock()

	for key, values := range rp.header {
		w.Header()[key] = values
	}
	w.WriteHeader(rp.status)
	if rp.data != nil && r.Method != http.MethodHead {
		_, _ = w.Write(rp.data)
	}
	s.log.Info().Str(logkey.Method, r.Method).Str(logkey.Path, r.URL.Path).
		Str(logkey.Route, route).Int(logkey.Status, rp.status).Int64(logkey.InstallationID, ex.installationID).
		Str(logkey.RequestID, ex.requestID).Msg("fake GitHub request")
}

func (s *Server) process(ex *exchange, auth authMode, h handler, fault *Fault, readErr error) reply {
	if readErr != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(readErr, &tooLarge) {
			return errorReply(http.StatusRequestEntityTooLarge, "Request body is too large", docsRoot)
		}
		return errorReply(http.StatusBadRequest, "Problems parsing JSON", docsRoot)
	}
	if rp, ok := s.authenticate(ex, auth); !ok {
		return rp
	}
	if fault != nil && fault.Kind != FaultNone {
		return s.faultReply(ex, fault)
	}
	if rp, ok := s.enforceRateLimit(ex); !ok {
		return rp
	}
	return h(ex)
}

// finish encodes the body, returns 304 for a matching If-None-Match, counts
// the request against its rate limit and records the call.
func (s *Server) finish(ex *exchange, rp *reply) {
	rp.encodeBody()
	if rp.header == nil {
		rp.header = make(http.Header)
	}
	if ex.r.Method == http.MethodGet && rp.status == http.StatusOK {
		etag := etagOf(rp.data)
		rp.header.Set("ETag", etag)
		rp.header.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		rp.header.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
		if match := ex.r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
			rp.status = http.StatusNotModified
			rp.data = nil
		}
	}
	// GitHub does not count a 304 against the primary rate limit.
	if rp.header.Get("X-RateLimit-Remaining") == "" {
		s.setRateHeaders(ex, rp.header, rp.status != http.StatusNotModified)
	}
	if rp.data != nil {
		rp.header.Set("Content-Type", "application/json; charset=utf-8")
	}
	rp.header.Set("X-GitHub-Media-Type", "github.v3; format=json")
	rp.header.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	rp.header.Set("X-GitHub-Request-Id", ex.requestID)
	s.record(ex, rp.status)
}

// newRequestID returns an id in the shape of GitHub's X-GitHub-Request-Id.
func (s *Server) newRequestID() string {
	n := s.requests.Add(1)
	return fmt.Sprintf("FA4E:%04X:%07X:%07X:%08X", n%0x10000, n, n*7, s.started.Unix())
}

// waitContext waits for d or until ctx ends, and reports whether d passed.
func waitContext(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pathInt64 parses a numeric path value such as {check_run_id}.
func pathInt64(ex *exchange, name string) (int64, bool) {
	id, err := strconv.ParseInt(ex.r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
