package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryDelayDoublesToMax(t *testing.T) {
	t.Parallel()
	cases := []struct {
		readCount int
		want      time.Duration
	}{
		{0, 5 * time.Second},
		{1, 5 * time.Second},
		{2, 10 * time.Second},
		{3, 20 * time.Second},
		{8, 640 * time.Second},
		{9, 15 * time.Minute},
		{1000, 15 * time.Minute},
	}
	for _, c := range cases {
		require.Equal(t, c.want, retryDelay(5*time.Second, 15*time.Minute, c.readCount), "read count %d", c.readCount)
	}
}

func TestJitterStaysWithinTenPercent(t *testing.T) {
	t.Parallel()
	for range 1000 {
		d := jitter(10 * time.Second)
		require.GreaterOrEqual(t, d, 9*time.Second)
		require.LessOrEqual(t, d, 11*time.Second)
	}
}

func TestSecondsRoundsUp(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0, seconds(0))
	require.Equal(t, 0, seconds(-time.Second))
	require.Equal(t, 1, seconds(time.Millisecond))
	require.Equal(t, 1, seconds(time.Second))
	require.Equal(t, 2, seconds(1500*time.Millisecond))
}

func TestTruncateUTF8KeepsCharacters(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", truncateUTF8("abc", 10))
	require.Equal(t, "ab", truncateUTF8("abc", 2))
	require.Equal(t, "a", truncateUTF8("aé", 2), "a two-byte character is dropped, not split")
	require.Equal(t, "aé", truncateUTF8("aé", 3))
}
