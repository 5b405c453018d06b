package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Handler processes one message of a queue registered with Runner.Handle.
//
// Returning nil finishes the message: the Runner deletes it, unless the
// handler already deleted or archived it with DeleteTx or ArchiveTx inside
// the transaction that wrote its effect (the way to make effect and
// acknowledgement atomic). Returning an error makes the message visible
// again after an exponential backoff. Once the message has been read
// HandlerOptions.MaxReads times, or at once for an error wrapped with
// Permanent, the Runner archives it and records it as a dead letter with
// that error. An error that implements RetryAfterError, such as one carrying
// GitHub's Retry-After, delays the next read by at least its duration.
//
// Delivery is at least once: a message whose handler is stopped by a crash
// or a shutdown is read again after its visibility timeout, so a handler
// must be idempotent. ctx carries a zerolog logger with the queue and
// message fields, and is cancelled at the handler's timeout or when the
// Runner's shutdown grace period ends.
type Handler func(ctx context.Context, msg Message) error

// HandlerOptions tune how a Runner consumes one queue. Zero fields take
// the defaults named on each field.
type HandlerOptions struct {
	// Concurrency is the number of messages handled at once by this
	// Runner. Default 1.
	Concurrency int
	// VisibilityTimeout hides a message from other readers while its
	// handler runs. The Runner extends it every half period while the
	// handler is running, so it bounds how long a crashed worker delays
	// the message, not how long a handler may take. Rounded up to whole
	// seconds. Default 30s.
	VisibilityTimeout time.Duration
	// Timeout cancels a handler's context after this long. Default 5m.
	Timeout time.Duration
	// MaxReads is the number of reads after which a failing message is
	// dead-lettered. Default 5.
	MaxReads int
	// RetryBaseDelay is the backoff after the first failed read; it
	// doubles with each further read, up to RetryMaxDelay. Defaults 5s
	// and 15m.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// PollWait is how long one read waits inside the database for a
	// message when the queue is empty, and PollInterval how often it reads
	// again meanwhile. The wait holds one pool connection per queue.
	// Defaults 5s and 250ms.
	PollWait     time.Duration
	PollInterval time.Duration
}

func (o *HandlerOptions) applyDefaults() {
	setDefault(&o.Concurrency, 1)
	setDefault(&o.VisibilityTimeout, 30*time.Second)
	setDefault(&o.Timeout, 5*time.Minute)
	setDefault(&o.MaxReads, 5)
	setDefault(&o.RetryBaseDelay, 5*time.Second)
	setDefault(&o.RetryMaxDelay, 15*time.Minute)
	setDefault(&o.PollWait, 5*time.Second)
	setDefault(&o.PollInterval, 250*time.Millisecond)
}

func (o *HandlerOptions) validate() error {
	var errs []error
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d is negative: use 1 or more", o.Concurrency))
	}
	if o.MaxReads < 0 {
		errs = append(errs, fmt.Errorf("max reads %d is negative: use 1 or more", o.MaxReads))
	}
	if o.VisibilityTimeout < 0 || o.Timeout < 0 || o.RetryBaseDelay < 0 || o.RetryMaxDelay < 0 ||
		o.PollWait < 0 || o.PollInterval < 0 {
		errs = append(errs, errors.New("a duration is negative: use 0 for the default or a positive value"))
	}
	if o.RetryMaxDelay > 0 && o.RetryMaxDelay < o.RetryBaseDelay {
		errs = append(errs, fmt.Errorf("retry max delay %s is below retry base delay %s: raise it",
			o.RetryMaxDelay, o.RetryBaseDelay))
	}
	return errors.Join(errs...)
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the Runner dead-letters the message at once
// instead of retrying it, for errors that a retry cannot fix, such as a
// body that does not decode. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err: err}
}

// IsPermanent reports whether err or an error it wraps came from Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// RetryAfterError is an error that names the earliest time to try again
// from now, for example from a Retry-After header.
type RetryAfterError interface {
	error
	RetryAfter() time.Duration
}

// retryAfter returns the delay that err or an error it wraps asks for, or 0.
func retryAfter(err error) time.Duration {
	var r RetryAfterError
	if errors.As(err, &r) {
		return r.RetryAfter()
	}
	return 0
}

// PanicError is the error that a handler's recovered panic becomes.
type PanicError struct {
	Value any
	Stack []byte
}

// Error returns the panic value as text; Stack is logged separately.
func (e *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.Value) }
