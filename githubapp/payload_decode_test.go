package githubapp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// payloadTypes returns a new payload value for each event with a handler.
var payloadTypes = map[string]func() any{
	"check_run":                 func() any { return &checkRunPayload{} },
	"check_suite":               func() any { return &checkSuitePayload{} },
	"installation":              func() any { return &installationPayload{} },
	"installation_repositories": func() any { return &installationRepositoriesPayload{} },
	"ping":                      func() any { return &pingPayload{} },
	"pull_request":              func() any { return &pullRequestPayload{} },
}

// corruptions returns raw, cut short, with trailing data and with single
// bytes overwritten at sixteen spread-out offsets.
func corruptions(raw []byte) map[string][]byte {
	out := map[string][]byte{
		"recorded": raw, "cut in half": raw[:len(raw)/2], "trailing data": append(append([]byte{}, raw...), " x"...),
	}
	for i, b := range []byte(`"]}:,x0`) {
		for k := 1; k <= 16; k++ {
			at := len(raw) * k / 17
			bad := append([]byte{}, raw...)
			bad[at] = b
			out[string(rune('a'+i))+"@"+string(rune('A'+k))] = bad
		}
	}
	return out
}

// decodePayload swaps encoding/json for goccy/go-json, so it must decode
// each recorded payload, and each broken copy, to the same value or fail
// where encoding/json fails.
func TestDecodePayloadMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	dir := webhooksDir(t)
	checked := 0
	for event, newPayload := range payloadTypes {
		files, err := filepath.Glob(filepath.Join(dir, event, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, files, event)
		for _, file := range files {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			for name, body := range corruptions(raw) {
				want, got := newPayload(), newPayload()
				wantErr := json.Unmarshal(body, want)
				gotErr := decodePayload(event, "delivery-1", body, got)
				where := filepath.Base(file) + " " + name
				if wantErr != nil {
					require.Error(t, gotErr, where)
					continue
				}
				require.NoError(t, gotErr, where)
				require.Equal(t, want, got, where)
				checked++
			}
		}
	}
	require.Greater(t, checked, 40, "too few payloads decoded to compare")
}
