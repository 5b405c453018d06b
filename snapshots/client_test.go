package snapshots

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/snapshots/client"
	"github.com/centralcloud/centralcloud/snapshots/wire"
)

// mountAt serves h at the client's snapshot path.
func mountAt(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(client.SnapshotPath, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T, baseURL string, suite wire.Suite) *client.Client {
	t.Helper()
	c, err := client.New(baseURL, client.Options{Suite: suite, Token: "cct_test"})
	require.NoError(t, err)
	return c
}

func TestClientFetchesVerifiesThenNotModified(t *testing.T) {
	t.Parallel()
	e := setup(t)
	bundle := sampleBundle(5)
	result := e.publishAndSync(t, bundle)
	_, err := e.cache.Reload(context.Background())
	require.NoError(t, err)
	srv := mountAt(t, NewHandler(e.cache))

	for _, suite := range wire.Suites() {
		t.Run(string(suite), func(t *testing.T) {
			t.Parallel()
			c := newClient(t, srv.URL, suite)
			snap, changed, err := c.Fetch(context.Background())
			require.NoError(t, err)
			require.True(t, changed)
			require.Equal(t, result.ETag, snap.ETag)
			require.Len(t, snap.Document.Patterns, len(bundle.Patterns))
			require.Equal(t, wire.ComputeETag(snap.Plaintext), snap.ETag)

			again, changed, err := c.Fetch(context.Background())
			require.NoError(t, err)
			require.False(t, changed, "the second fetch is a 304")
			require.Same(t, snap, again)
		})
	}
}

// tamper serves h's response with edit applied to the recorded response.
func tamper(h http.Handler, edit func(rec *httptest.ResponseRecorder)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		edit(rec)
		for name, values := range rec.Header() {
			w.Header()[name] = values
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func TestClientRejectsTampering(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.publishAndSync(t, sampleBundle(2))
	_, err := e.cache.Reload(context.Background())
	require.NoError(t, err)
	handler := NewHandler(e.cache)

	flipLastByte := func(b []byte) []byte {
		b = bytes.Clone(b)
		b[len(b)-1] ^= 1
		return b
	}
	cases := map[string]func(rec *httptest.ResponseRecorder){
		"ciphertext": func(rec *httptest.ResponseRecorder) {
			body := flipLastByte(rec.Body.Bytes())
			rec.Body.Reset()
			rec.Body.Write(body)
		},
		"nonce": func(rec *httptest.ResponseRecorder) {
			body := bytes.Clone(rec.Body.Bytes())
			body[0] ^= 1
			rec.Body.Reset()
			rec.Body.Write(body)
		},
		"sealed key": func(rec *httptest.ResponseRecorder) {
			sealed, err := wire.ParseSealedKey(rec.Header().Get(wire.HeaderSnapshotKey))
			require.NoError(t, err)
			sealed.Sealed = flipLastByte(sealed.Sealed)
			rec.Header().Set(wire.HeaderSnapshotKey, sealed.String())
		},
		"encapsulated key": func(rec *httptest.ResponseRecorder) {
			sealed, err := wire.ParseSealedKey(rec.Header().Get(wire.HeaderSnapshotKey))
			require.NoError(t, err)
			sealed.Sealed = bytes.Clone(sealed.Sealed)
			sealed.Sealed[0] ^= 1
			rec.Header().Set(wire.HeaderSnapshotKey, sealed.String())
		},
		"etag": func(rec *httptest.ResponseRecorder) {
			rec.Header().Set("ETag", wire.QuoteETag(wire.ComputeETag([]byte("other"))))
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, mountAt(t, tamper(handler, edit)).URL, wire.SuiteX25519)
			_, _, err := c.Fetch(context.Background())
			require.ErrorIs(t, err, client.ErrInvalidSnapshot)
			require.Nil(t, c.Last(), "a rejected snapshot is not kept")
		})
	}
}

// TestClientRejectsDigestMismatch serves a body that decrypts and
// authenticates but whose plaintext is not the one the ETag names.
func TestClientRejectsDigestMismatch(t *testing.T) {
	t.Parallel()
	plaintext := []byte(`{"format":1,"patterns":[]}`)
	etag := wire.ComputeETag([]byte(`{"format":1,"patterns":[{"id":"x"}]}`))
	dataKey := bytes.Repeat([]byte{7}, wire.DataKeySize)
	body, err := wire.EncryptBody(dataKey, etag, plaintext, nil)
	require.NoError(t, err)
	srv := mountAt(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, err := wire.ParseClientKey(r.Header.Get(wire.HeaderClientKey))
		require.NoError(t, err)
		sealed, err := wire.SealDataKey(key, etag, dataKey)
		require.NoError(t, err)
		w.Header().Set("ETag", wire.QuoteETag(etag))
		w.Header().Set(wire.HeaderSnapshotKey, sealed.String())
		_, _ = w.Write(body)
	}))
	c := newClient(t, srv.URL, wire.SuiteX25519)
	_, _, err = c.Fetch(context.Background())
	require.ErrorIs(t, err, client.ErrInvalidSnapshot)
	require.ErrorContains(t, err, "differs from ETag")
}

func TestClientReportsProblem(t *testing.T) {
	t.Parallel()
	e := setup(t)
	srv := mountAt(t, NewHandler(e.cache))
	c, err := client.New(srv.URL, client.Options{})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, srv.URL+client.SnapshotPath, nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "a request without a key is rejected")
	_, _, err = c.Fetch(context.Background())
	require.NoError(t, err, "the client always sends its key")
}

func TestInlineRoundTripBothSuites(t *testing.T) {
	t.Parallel()
	e := setup(t)
	result := e.publishAndSync(t, sampleBundle(4))
	_, err := e.cache.Reload(context.Background())
	require.NoError(t, err)
	for _, suite := range wire.Suites() {
		c := newClient(t, "http://127.0.0.1", suite)
		inline, err := e.cache.Inline(c.ClientKey())
		require.NoError(t, err)
		require.Equal(t, result.ETag, inline.ETag)
		require.Equal(t, suite, inline.Suite)

		snap, err := c.Accept(*inline)
		require.NoError(t, err, suite)
		require.Len(t, snap.Document.Patterns, 4)
		require.Equal(t, result.ETag, c.ETag())

		inline.Ciphertext = bytes.Clone(inline.Ciphertext)
		inline.Ciphertext[20] ^= 1
		_, err = c.Accept(*inline)
		require.ErrorIs(t, err, client.ErrInvalidSnapshot)
	}
}

func TestInlineRejectsBadClientKey(t *testing.T) {
	t.Parallel()
	cache := NewCache(nil, nil, CacheOptions{})
	for _, key := range []string{
		"", "garbage",
		string(wire.SuiteX25519) + " " + base64.StdEncoding.EncodeToString(make([]byte, 32)),
	} {
		_, err := cache.Inline(key)
		require.True(t, IsClientKeyError(err), "%q: %v", key, err)
		require.ErrorContains(t, err, "X-Client-Key")
	}
}
