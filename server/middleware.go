package server

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/internal/problem"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-ID"

// A client's own request id is kept when it is short and plain, so it can
// be searched for in logs; anything else is replaced.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestContext sets X-Request-ID and puts a logger carrying it in the
// request's context.
func requestContext(base zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(RequestIDHeader)
			if !clientRequestID.MatchString(id) {
				id = newRequestID()
			}
			w.Header().Set(RequestIDHeader, id)
			logger := base.With().Str(logkey.RequestID, id).Logger()
			next.ServeHTTP(w, r.WithContext(logger.WithContext(r.Context())))
		})
	}
}

// newRequestID returns 96 random bits in hex. Request ids need to be
// unique, not secret, so they come from math/rand/v2, whose generator is
// seeded from the operating system and costs no system call.
func newRequestID() string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return hex.EncodeToString(b[:])
}

// observe wraps the response writer once per request, then records the
// request's metrics and writes its access log line with the route pattern,
// so that both group by endpoint.
func observe(metrics *httpMetrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			elapsed := time.Since(start)
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			route := routePattern(r)
			metrics.observe(route, r.Method, status, elapsed)

			logger := zerolog.Ctx(r.Context())
			event := logger.Info()
			if status >= 500 {
				event = logger.Warn()
			}
			event.Str(logkey.Method, r.Method).Str(logkey.Route, route).Int(logkey.Status, status).
				Dur(logkey.Duration, elapsed).Int(logkey.Bytes, ww.BytesWritten()).Msg("request")
		})
	}
}

func routePattern(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil {
		if p := rctx.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// recoverer turns a handler panic into a logged 500 problem.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				zerolog.Ctx(r.Context()).Error().Str(logkey.Error, fmt.Sprint(v)).
					Str(logkey.Path, r.URL.Path).Msg("handler panicked")
				problem.Write(w, problem.Internal())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies at limit bytes after decompression and
// decodes gzip bodies. Reading past the limit fails with
// *http.MaxBytesError, which handlers turn into 413.
func limitBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				problem.Write(w, problem.New(http.StatusRequestEntityTooLarge, "body-too-large",
					"the request body has "+strconv.FormatInt(r.ContentLength, 10)+" bytes, over the limit of "+
						strconv.FormatInt(limit, 10)+": send the results in several events with \"final\": false"))
				return
			}
			if r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			switch strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))) {
			case "", "identity":
			case "gzip":
				zr, err := gzip.NewReader(r.Body)
				if err != nil {
					problem.Write(w, problem.New(http.StatusBadRequest, "invalid-gzip",
						"Content-Encoding is gzip but the body is not gzip data: "+err.Error()))
					return
				}
				r.Body = &maxBytesBody{reader: zr, closer: r.Body, limit: limit}
				r.Header.Del("Content-Encoding")
			default:
				problem.Write(w, problem.New(http.StatusUnsupportedMediaType, "unsupported-encoding",
					"Content-Encoding "+r.Header.Get("Content-Encoding")+" is not supported: send gzip or no encoding"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// maxBytesBody fails with *http.MaxBytesError when the decompressed body
// passes the limit, like http.MaxBytesReader does for the raw body.
type maxBytesBody struct {
	reader io.Reader
	closer io.Closer
	limit  int64
	read   int64
}

func (b *maxBytesBody) Close() error { return b.closer.Close() }

func (b *maxBytesBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, &http.MaxBytesError{Limit: b.limit}
	}
	if remaining := b.limit + 1 - b.read; int64(len(p)) > remaining {
		p = p[:remaining]
	}
	n, err := b.reader.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n, &http.MaxBytesError{Limit: b.limit}
	}
	return n, err
}
