package fakegithub

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// anonymousRateLimit is GitHub's hourly limit for unauthenticated requests.
const anonymousRateLimit = 60

// rateWindow is one hour of a primary rate limit for one bucket: the App
// (JWT requests), one installation (token requests), or anonymous requests.
type rateWindow struct {
	limit int
	used  int
	reset time.Time
}

func (w *rateWindow) remaining() int {
	return max(0, w.limit-w.used)
}

// window returns the bucket's current window, starting a new hour when the
// previous one has passed.
func (s *Server) window(bucket string) *rateWindow {
	now := s.now()
	w := s.rateWindows[bucket]
	if w == nil || !now.Before(w.reset) {
		limit := s.opts.RateLimit
		if bucket == "" {
			limit = anonymousRateLimit
		}
		w = &rateWindow{limit: limit, reset: now.Add(time.Hour)}
		s.rateWindows[bucket] = w
	}
	return w
}

// setRateHeaders adds the X-RateLimit-* headers that GitHub sends with every
// response, first counting this request when count is true. Requests that
// failed authentication are not counted.
func (s *Server) setRateHeaders(ex *exchange, h http.Header, count bool) {
	w := s.window(ex.rateBucket)
	if count && ex.rateBucket != "" {
		w.used++
	}
	writeRateHeaders(h, w.limit, w.remaining(), w.used, w.reset)
}

func writeRateHeaders(h http.Header, limit, remaining, used int, reset time.Time) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// enforceRateLimit rejects an authenticated request once its bucket has used
// the whole hourly limit.
func (s *Server) enforceRateLimit(ex *exchange) (reply, bool) {
	if ex.rateBucket == "" {
		return reply{}, true
	}
	w := s.window(ex.rateBucket)
	if w.remaining() > 0 {
		return reply{}, true
	}
	return s.primaryRateLimitReply(ex, http.StatusForbidden, w.reset), false
}

// primaryRateLimitReply returns GitHub's response to a request over the
// primary rate limit: remaining 0 and the reset time, as go-github's
// RateLimitError expects.
func (s *Server) primaryRateLimitReply(ex *exchange, status int, reset time.Time) reply {
	subject := fmt.Sprintf("app ID %d", s.opts.AppID)
	if ex.installationID != 0 && ex.installation != nil {
		subject = fmt.Sprintf("installation ID %d", ex.installationID)
	}
	rp := errorReply(status, "API rate limit exceeded for "+subject+".", docsPrimaryRateLimit)
	w := s.window(ex.rateBucket)
	writeRateHeaders(rp.header, w.limit, 0, w.limit, reset)
	return rp
}
