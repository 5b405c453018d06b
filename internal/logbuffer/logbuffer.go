// Package logbuffer holds a service's log lines briefly and writes them in
// batches, so that a busy server does not make one write system call per
// request line.
package logbuffer

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// MaxHeld is how many bytes of lines a Writer holds before it writes them
// without waiting for its interval.
const MaxHeld = 64 << 10

// Writer is a zerolog.LevelWriter that holds lines below warn level for at
// most its interval, or until MaxHeld bytes are held, and writes them in
// one call. A line at warn level or above is written at once, after the
// lines held before it, so the order is kept and no warning or error
// waits. Close writes what is held. Lines written with Write count as
// info.
type Writer struct {
	out      io.Writer
	interval time.Duration

	mu    sync.Mutex
	held  []byte
	timer *time.Timer
	// err is the error of a write that the timer made, returned by the
	// next call so that zerolog reports it.
	err error
}

var _ zerolog.LevelWriter = (*Writer)(nil)

// New returns a Writer that writes to out and holds lines for interval.
func New(out io.Writer, interval time.Duration) *Writer {
	return &Writer{out: out, interval: interval}
}

// Write holds p as an info line.
func (w *Writer) Write(p []byte) (int, error) {
	return w.WriteLevel(zerolog.InfoLevel, p)
}

// WriteLevel holds p, or writes it with the held lines when level is warn
// or above or the held lines reach MaxHeld.
func (w *Writer) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.held = append(w.held, p...)
	if level >= zerolog.WarnLevel || len(w.held) >= MaxHeld {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(w.interval, w.flushOnTimer)
	}
	// p is held either way; the error is a timer's write failing earlier.
	err := w.err
	w.err = nil
	return len(p), err
}

// Close writes the held lines.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushOnTimer() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer = nil
	if err := w.flushLocked(); err != nil {
		w.err = err
	}
}

// flushLocked writes the held lines and stops the timer; w.mu is held.
func (w *Writer) flushLocked() error {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if len(w.held) == 0 {
		return nil
	}
	_, err := w.out.Write(w.held)
	// A buffer that grew far past MaxHeld for one huge line is not kept.
	if cap(w.held) > 4*MaxHeld {
		w.held = nil
	} else {
		w.held = w.held[:0]
	}
	return err
}
