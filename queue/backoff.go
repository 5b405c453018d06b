package queue

import (
	"math/rand/v2"
	"time"
)

// retryDelay returns the backoff after a failed read: base after the first
// read, doubling with each further read, at most maxDelay.
func retryDelay(base, maxDelay time.Duration, readCount int) time.Duration {
	delay := base
	for i := 1; i < readCount && delay < maxDelay; i++ {
		delay *= 2
	}
	return min(delay, maxDelay)
}

// jitter spreads delay by up to 10% either way, so that messages that failed
// together, for example during a database outage, do not return together.
func jitter(delay time.Duration) time.Duration {
	return time.Duration(float64(delay) * (0.9 + 0.2*rand.Float64()))
}

// sleepContext waits for d or until ctx is done, and reports whether the
// full wait passed.
func sleepContext(ctx interface{ Done() <-chan struct{} }, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
