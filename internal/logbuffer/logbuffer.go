// Package logbuffer buffers a service's log lines briefly and writes them in
// batches, so that a busy server does not make one write system call per
// request line.
package logbuffer

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// MaxBuffered is how many bytes of lines a Writer buffers before it writes
// them without waiting for its interval.
const MaxBuffered = 64 << 10

// Writer is a zerolog.LevelWriter that buffers lines below warn level for
// at most its interval, or until MaxBuffered bytes are buffered, and
// writes them in one call. A line at warn level or above is written at
// once, after the lines buffered before it, so the order is kept and no
// warning or error waits. Close writes what is buffered. Lines written
// with Write count as info.
type Writer struct {
	out      io.Writer
	interval time.Duration

	mu      sync.Mutex
	pending []byte
	timer   *time.Timer
	// err is the error of a write that the timer made, returned by the
	// next call so that zerolog reports it.
	err error
}

var _ zerolog.LevelWriter = (*Writer)(nil)

// New returns a Writer that writes to out and buffers lines for interval.
func New(out io.Writer, interval time.Duration) *Writer {
	return &Writer{out: out, interval: interval}
}

// Write buffers p as an info line.
func (w *Writer) Write(p []byte) (int, error) {
	return w.WriteLevel(zerolog.InfoLevel, p)
}

// WriteLevel buffers p, or writes it with the buffered lines when level is
// warn or above or the buffered lines reach MaxBuffered.
func (w *Writer) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	if level >= zerolog.WarnLevel || len(w.pending) >= MaxBuffered {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(w.interval, w.flushOnTimer)
	}
	// p is buffered either way; the error is a timer's write failing earlier.
	err := w.err
	w.err = nil
	return len(p), err
}

// Close writes the buffered lines.
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

// flushLocked writes the buffered lines and stops the timer. The caller
// has locked w.mu.
func (w *Writer) flushLocked() error {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if len(w.pending) == 0 {
		return nil
	}
	_, err := w.out.Write(w.pending)
	// A buffer that grew far past MaxBuffered for one huge line is not kept.
	if cap(w.pending) > 4*MaxBuffered {
		w.pending = nil
	} else {
		w.pending = w.pending[:0]
	}
	return err
}
