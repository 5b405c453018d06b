package logbuffer

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder records each Write call.
type recorder struct {
	mu     sync.Mutex
	writes []string
	err    error
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recorder) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

func TestInfoLinesWaitForInterval(t *testing.T) {
	t.Parallel()
	out := &recorder{}
	w := New(out, 50*time.Millisecond)
	logger := zerolog.New(w)
	logger.Info().Msg("one")
	logger.Info().Msg("two")
	assert.Empty(t, out.calls(), "info lines are written before the interval")

	require.Eventually(t, func() bool { return len(out.calls()) == 1 }, 5*time.Second, 5*time.Millisecond)
	written := out.calls()[0]
	assert.Less(t, strings.Index(written, `"one"`), strings.Index(written, `"two"`))
	assert.Equal(t, 2, strings.Count(written, "\n"))
}

func TestWarnWritesBufferedLinesFirst(t *testing.T) {
	t.Parallel()
	out := &recorder{}
	w := New(out, time.Hour)
	logger := zerolog.New(w)
	logger.Info().Msg("before")
	logger.Warn().Msg("warning")

	calls := out.calls()
	require.Len(t, calls, 1, "a warning is written at once, in one call with the buffered lines")
	assert.Less(t, strings.Index(calls[0], `"before"`), strings.Index(calls[0], `"warning"`))

	logger.Error().Msg("error")
	assert.Len(t, out.calls(), 2)
}

func TestLinesWrittenAtMaxBuffered(t *testing.T) {
	t.Parallel()
	out := &recorder{}
	w := New(out, time.Hour)
	line := bytes.Repeat([]byte("x"), 1000)
	for range MaxBuffered/len(line) - 1 {
		_, err := w.WriteLevel(zerolog.InfoLevel, line)
		require.NoError(t, err)
	}
	assert.Empty(t, out.calls())
	_, err := w.WriteLevel(zerolog.InfoLevel, append(line, bytes.Repeat([]byte("y"), 1000)...))
	require.NoError(t, err)
	calls := out.calls()
	require.Len(t, calls, 1)
	assert.GreaterOrEqual(t, len(calls[0]), MaxBuffered)
}

func TestCloseWritesBufferedLines(t *testing.T) {
	t.Parallel()
	out := &recorder{}
	w := New(out, time.Hour)
	logger := zerolog.New(w)
	logger.Info().Msg("last words")
	require.NoError(t, w.Close())
	calls := out.calls()
	require.Len(t, calls, 1)
	assert.Contains(t, calls[0], "last words")
	require.NoError(t, w.Close(), "closing with nothing buffered writes nothing")
	assert.Len(t, out.calls(), 1)
}

func TestTimerWriteErrorReturnedLater(t *testing.T) {
	t.Parallel()
	out := &recorder{err: errors.New("disk full")}
	w := New(out, 10*time.Millisecond)
	_, err := w.WriteLevel(zerolog.InfoLevel, []byte("buffered\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.err != nil
	}, 5*time.Second, 5*time.Millisecond)
	n, err := w.WriteLevel(zerolog.InfoLevel, []byte("next\n"))
	require.EqualError(t, err, "disk full")
	assert.Equal(t, 5, n, "the new line is buffered")
	_, err = w.WriteLevel(zerolog.InfoLevel, []byte("after\n"))
	require.NoError(t, err, "the error is reported once")
}

func TestConcurrentLinesAllWritten(t *testing.T) {
	t.Parallel()
	out := &recorder{}
	w := New(out, time.Millisecond)
	logger := zerolog.New(w)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				logger.Info().Int("g", g).Int("i", i).Msg("line")
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	assert.Equal(t, 8*500, strings.Count(strings.Join(out.calls(), ""), "\n"))
}
