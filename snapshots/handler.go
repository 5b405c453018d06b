package snapshots

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/internal/problem"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// Response header values of the snapshot endpoint.
const (
	// cacheControl lets a client cache the snapshot but makes it revalidate
	// every time, and keeps shared caches out because the sealed key is
	// per client.
	cacheControl = "private, no-cache"
	// vary names the request headers that select the response.
	vary = "Authorization, " + wire.HeaderClientKey
)

// Handler serves GET and HEAD /patterns/snapshot from a Cache. It does not
// authenticate: mount it behind the scanner API's authentication.
type Handler struct {
	cache *Cache
}

// NewHandler returns the snapshot endpoint for cache.
func NewHandler(cache *Cache) *Handler {
	return &Handler{cache: cache}
}

// ServeHTTP evaluates If-None-Match first (304), then the client key (400
// when a body would be sent without a valid key), then sends the encrypted
// snapshot with its data key sealed to the client key. HEAD needs no client
// key: it responds like GET without a body, and without the sealed key when
// the request has no client key.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status := h.serve(w, r)
	h.cache.opts.Metrics.observeRequest(r.Method, status)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem.Write(w, problem.New(http.StatusMethodNotAllowed, "method-not-allowed",
			"use GET or HEAD for the pattern snapshot"))
		return http.StatusMethodNotAllowed
	}

	w.Header().Add("Vary", vary)
	snap := h.cache.Current()
	cond, err := matchIfNoneMatch(r.Header.Values("If-None-Match"), snap.ETag)
	if err != nil {
		problem.Write(w, problem.InvalidField("If-None-Match", err.Error()))
		return http.StatusBadRequest
	}
	if cond.elements > 0 {
		h.cache.opts.Metrics.observeETagCheck("http", cond.match)
	}
	if cond.match {
		setValidators(w.Header(), snap)
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified
	}

	sealed, status := h.sealForRequest(w, r, snap)
	if status != 0 {
		return status
	}
	writeSnapshot(w, r, snap, sealed)
	return http.StatusOK
}

// writeSnapshot sends the 200 response; sealed is the X-Snapshot-Key value,
// empty for a HEAD request without a client key.
func writeSnapshot(w http.ResponseWriter, r *http.Request, snap *Snapshot, sealed string) {
	hdr := w.Header()
	setValidators(hdr, snap)
	hdr["Content-Type"] = []string{wire.ContentType}
	hdr["Content-Length"] = []string{strconv.Itoa(len(snap.Ciphertext))}
	hdr["X-Content-Type-Options"] = []string{"nosniff"}
	if sealed != "" {
		hdr[wire.HeaderSnapshotKey] = []string{sealed}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(snap.Ciphertext)
	}
}

// sealForRequest seals the data key to the request's client key and
// returns the X-Snapshot-Key value, or writes a 400 and returns its status.
// A HEAD request without a client key gets an empty value.
func (h *Handler) sealForRequest(w http.ResponseWriter, r *http.Request, snap *Snapshot) (string, int) {
	values := r.Header.Values(wire.HeaderClientKey)
	if r.Method == http.MethodHead && len(values) == 0 {
		return "", 0
	}
	if len(values) > 1 {
		return "", clientKeyProblem(w, "send "+wire.HeaderClientKey+" once; the request has "+
			strconv.Itoa(len(values))+" of them")
	}
	value := ""
	if len(values) == 1 {
		value = values[0]
	}
	key, err := wire.ParseClientKey(value)
	if err != nil {
		return "", clientKeyProblem(w, err.Error())
	}
	sealed, err := snap.Seal(key)
	if err != nil {
		zerolog.Ctx(r.Context()).Debug().Err(err).Msg("client key rejected by HPKE")
		return "", clientKeyProblem(w, "the "+string(key.Suite)+" public key cannot be used: "+err.Error())
	}
	return sealed.String(), 0
}

// clientKeyProblem writes a 400 naming the X-Client-Key header.
func clientKeyProblem(w http.ResponseWriter, detail string) int {
	problem.Write(w, problem.InvalidField(wire.HeaderClientKey, detail))
	return http.StatusBadRequest
}

// setValidators sets the headers that a 200 and a 304 share.
func setValidators(h http.Header, snap *Snapshot) {
	h["Etag"] = []string{snap.quotedETag}
	h["Cache-Control"] = []string{cacheControl}
}

// ErrInvalidClientKey reports a missing or malformed client key; Inline
// returns errors that wrap it.
var ErrInvalidClientKey = wire.ErrInvalidClientKey

// IsClientKeyError reports whether err is a client key problem, to which
// the caller should respond with 400 naming the X-Client-Key header.
func IsClientKeyError(err error) bool {
	return errors.Is(err, wire.ErrInvalidClientKey)
}
