package fakegithub

import (
	"net/http"
	"strconv"
	"time"
)

// FaultKind is the response that an injected fault returns in place of the
// route's own.
type FaultKind int

const (
	// FaultNone returns no error: a fault of this kind only adds Latency.
	FaultNone FaultKind = iota
	// FaultServerError returns a 5xx status (Status, default 502).
	FaultServerError
	// FaultSecondaryRateLimit returns 403 (or Status 429) with Retry-After
	// and GitHub's secondary-rate-limit body, which go-github reports as
	// *github.AbuseRateLimitError when the status is 403.
	FaultSecondaryRateLimit
	// FaultPrimaryRateLimit returns 403 (or Status 429) with
	// X-RateLimit-Remaining 0 and X-RateLimit-Reset ResetAfter from now,
	// which go-github reports as *github.RateLimitError when the status is
	// 403. go-github then refuses further requests of that client locally
	// until the reset time.
	FaultPrimaryRateLimit
)

// Fault is a programmed failure for the requests that match a route.
// A fault applies after authentication, so a request with bad credentials
// still gets 401, but it consumes one of the fault's Times all the same.
type Fault struct {
	// Route is one of the Route* constants; empty matches every route.
	Route string
	// Times is how many matching requests the fault affects; 0 means every
	// one until ClearFaults.
	Times int
	// Kind selects the response.
	Kind FaultKind
	// Status overrides the status code of the response.
	Status int
	// RetryAfter is the Retry-After of a secondary rate limit, rounded up to
	// whole seconds. Default 1 s.
	RetryAfter time.Duration
	// ResetAfter sets X-RateLimit-Reset of a primary rate limit to this long
	// after the request. Default 1 s.
	ResetAfter time.Duration
	// Latency delays the response; the delay ends early if the client goes
	// away.
	Latency time.Duration
}

// ServerError returns a fault that fails the next times requests to route
// with the 5xx status.
func ServerError(route string, times, status int) Fault {
	return Fault{Route: route, Times: times, Kind: FaultServerError, Status: status}
}

// SecondaryRateLimit returns a fault that rejects the next times requests to
// route with a secondary rate limit (403, Retry-After).
func SecondaryRateLimit(route string, times int, retryAfter time.Duration) Fault {
	return Fault{Route: route, Times: times, Kind: FaultSecondaryRateLimit, RetryAfter: retryAfter}
}

// PrimaryRateLimit returns a fault that rejects the next times requests to
// route with an exhausted primary rate limit that resets after resetAfter.
func PrimaryRateLimit(route string, times int, resetAfter time.Duration) Fault {
	return Fault{Route: route, Times: times, Kind: FaultPrimaryRateLimit, ResetAfter: resetAfter}
}

// Latency returns a fault delaying the next times requests to route by d.
func Latency(route string, times int, d time.Duration) Fault {
	return Fault{Route: route, Times: times, Latency: d}
}

// InjectFault adds a fault. Faults are matched in the order they were added,
// and a request takes the first one that matches and still has Times left.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault for route and consumes one of its Times.
func (s *Server) takeFault(route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Route != "" && f.Route != route {
			continue
		}
		match := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &match
	}
	return nil
}

func (s *Server) faultReply(ex *exchange, f *Fault) reply {
	switch f.Kind {
	case FaultSecondaryRateLimit:
		rp := errorReply(statusOr(f.Status, http.StatusForbidden),
			"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "+
				"If you reach out to GitHub Support for help, please include the request ID "+ex.requestID+".",
			docsSecondaryRateLimit)
		seconds := max(1, int((f.RetryAfter+time.Second-1)/time.Second))
		rp.header.Set("Retry-After", strconv.Itoa(seconds))
		return rp
	case FaultPrimaryRateLimit:
		resetAfter := f.ResetAfter
		if resetAfter <= 0 {
			resetAfter = time.Second
		}
		return s.primaryRateLimitReply(ex, statusOr(f.Status, http.StatusForbidden), ex.received.Add(resetAfter))
	default:
		status := statusOr(f.Status, http.StatusBadGateway)
		return errorReply(status, http.StatusText(status), docsRoot)
	}
}

func statusOr(status, fallback int) int {
	if status == 0 {
		return fallback
	}
	return status
}
