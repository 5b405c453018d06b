package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example file must load as it is and document every key's variable.
func TestExampleFileDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	c, err := load("../config.example.yml", nil)
	require.NoError(t, err)
	require.Equal(t, Default().HTTP, c.HTTP)
	data, err := os.ReadFile("../config.example.yml")
	require.NoError(t, err)
	for _, name := range EnvNames() {
		require.True(t, strings.Contains(string(data), name), "config.example.yml does not mention %s", name)
	}
}
