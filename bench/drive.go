package bench

import (
	"context"
	"sync"
	"time"
)

// Load bounds one scenario: it stops after Requests operations or after
// Duration, whichever comes first.
type Load struct {
	Requests    int
	Concurrency int
	Duration    time.Duration
	// Rate, when above zero, paces starts to that many per second in
	// total instead of as fast as the workers go.
	Rate float64
}

// Op is one operation of a scenario; i counts from 0.
type Op func(ctx context.Context, i int) error

// TimedOp is an operation that measures its own latency, for scenarios
// that time only a part of each operation.
type TimedOp func(ctx context.Context, i int) (time.Duration, error)

// Drive runs op under load and measures each call.
// Operations that started before the duration ran out finish under ctx.
func Drive(ctx context.Context, name string, load Load, op Op) Result {
	return DriveTimed(ctx, name, load, func(ctx context.Context, i int) (time.Duration, error) {
		began := time.Now()
		err := op(ctx, i)
		return time.Since(began), err
	})
}

// DriveTimed is Drive for operations that report their own latency.
func DriveTimed(ctx context.Context, name string, load Load, op TimedOp) Result {
	feedCtx, cancel := context.WithTimeout(ctx, load.Duration)
	defer cancel()
	workers := max(1, load.Concurrency)
	next := make(chan int)
	go feed(feedCtx, next, load)
	var mu sync.Mutex
	res := Result{Name: name, Latencies: make([]time.Duration, 0, load.Requests)}
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				took, err := op(ctx, i)
				mu.Lock()
				res.Requests++
				if err != nil {
					res.Errors++
					if res.FirstError == nil {
						res.FirstError = err
					}
				} else {
					res.Latencies = append(res.Latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.finish()
	return res
}

// feed hands out operation numbers until the count or the context ends.
// With load.Rate set, operation i starts no earlier than i/Rate seconds
// after the first. A feed that falls behind catches up at once, so the
// mean rate holds when the scheduler is late.
func feed(ctx context.Context, next chan<- int, load Load) {
	defer close(next)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := range load.Requests {
		if load.Rate > 0 {
			due := start.Add(time.Duration(float64(i) / load.Rate * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				}
			}
		}
		select {
		case next <- i:
		case <-ctx.Done():
			return
		}
	}
}
