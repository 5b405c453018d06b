package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func weight(w float64) *float64 { return &w }

func TestCanonicalIgnoresOrder(t *testing.T) {
	t.Parallel()
	a := Document{Format: FormatVersion, Patterns: []Pattern{
		{ID: "b", Language: "go", Severity: "note", Message: "<b> & c", Rule: "r", Tags: []string{"y", "x"}},
		{ID: "a", Language: "go", Severity: "error", Message: "m", Rule: "r", Weight: weight(0.123456)},
	}}
	b := Document{Format: FormatVersion, Patterns: []Pattern{a.Patterns[1], a.Patterns[0]}}
	b.Patterns[1].Tags = []string{"x", "y"}
	b.Patterns[0].Weight = weight(0.12345999)

	first, err := Canonical(a)
	require.NoError(t, err)
	second, err := Canonical(b)
	require.NoError(t, err)
	require.Equal(t, string(first), string(second))
	require.Equal(t, `{"format":1,"patterns":[`+
		`{"id":"a","language":"go","severity":"error","message":"m","rule":"r","weight":0.1235},`+
		`{"id":"b","language":"go","severity":"note","message":"<b> & c","rule":"r","tags":["x","y"]}]}`,
		string(first))
	require.Equal(t, []string{"y", "x"}, a.Patterns[0].Tags, "Canonical must not modify its input")
}

func TestEmptyDocumentCanonical(t *testing.T) {
	t.Parallel()
	plaintext, err := Canonical(EmptyDocument())
	require.NoError(t, err)
	require.Equal(t, `{"format":1,"patterns":[]}`, string(plaintext))
	require.Equal(t, ComputeETag(plaintext), ComputeETag([]byte(`{"format":1,"patterns":[]}`)))
}

func TestNormalizeETag(t *testing.T) {
	t.Parallel()
	digest := strings.Repeat("ab", 32)
	for _, in := range []string{digest, `"` + digest + `"`, `W/"` + digest + `"`} {
		got, err := NormalizeETag(in)
		require.NoError(t, err, in)
		require.Equal(t, digest, got, in)
	}
	for _, in := range []string{"", `""`, "W/" + digest, `"` + digest, strings.ToUpper(digest), digest[:63]} {
		_, err := NormalizeETag(in)
		require.ErrorIs(t, err, ErrInvalidETag, in)
	}
}

func TestParseClientKeyBothSuites(t *testing.T) {
	t.Parallel()
	for _, suite := range Suites() {
		priv, err := suite.GenerateKey()
		require.NoError(t, err)
		header, err := FormatClientKey(priv.PublicKey())
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(header, string(suite)+" "), header)

		key, err := ParseClientKey(header)
		require.NoError(t, err)
		require.Equal(t, suite, key.Suite)
		require.Equal(t, priv.PublicKey().Bytes(), key.PublicKey.Bytes())
		require.Equal(t, header, key.String())
	}
}

func TestParseClientKeyErrors(t *testing.T) {
	t.Parallel()
	x25519 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	cases := map[string]struct {
		value, contains string
	}{
		"missing":          {"", "is missing"},
		"no suite":         {x25519, "<suite> <base64>"},
		"unknown suite":    {"hpke-p256-sha256-aes128gcm " + x25519, "unknown HPKE suite"},
		"two spaces":       {string(SuiteX25519) + "  " + x25519, "invalid base64"},
		"url alphabet":     {string(SuiteX25519) + " " + strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))), "invalid base64"},
		"short key":        {string(SuiteX25519) + " " + base64.StdEncoding.EncodeToString([]byte{1, 2, 3}), "not a public key"},
		"x25519 for xwing": {string(SuiteMLKEM768X25519) + " " + x25519, "not a public key"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseClientKey(tc.value)
			require.ErrorIs(t, err, ErrInvalidClientKey)
			require.ErrorContains(t, err, tc.contains)
		})
	}
}

func TestSealOpenBothSuites(t *testing.T) {
	t.Parallel()
	etag := ComputeETag([]byte("snapshot"))
	dataKey := make([]byte, DataKeySize)
	_, _ = rand.Read(dataKey)
	for _, suite := range Suites() {
		t.Run(string(suite), func(t *testing.T) {
			t.Parallel()
			priv, err := suite.GenerateKey()
			require.NoError(t, err)
			sealed, err := SealDataKey(ClientKey{Suite: suite, PublicKey: priv.PublicKey()}, etag, dataKey)
			require.NoError(t, err)

			parsed, err := ParseSealedKey(sealed.String())
			require.NoError(t, err)
			opened, err := OpenDataKey(priv, etag, parsed)
			require.NoError(t, err)
			require.Equal(t, dataKey, opened)

			_, err = OpenDataKey(priv, ComputeETag([]byte("other")), parsed)
			require.ErrorIs(t, err, ErrSealedKey, "a key sealed for one ETag must not open for another")

			tampered := SealedKey{Suite: parsed.Suite, Sealed: bytes.Clone(parsed.Sealed)}
			tampered.Sealed[len(tampered.Sealed)-1] ^= 1
			_, err = OpenDataKey(priv, etag, tampered)
			require.ErrorIs(t, err, ErrSealedKey)

			other, err := suite.GenerateKey()
			require.NoError(t, err)
			_, err = OpenDataKey(other, etag, parsed)
			require.ErrorIs(t, err, ErrSealedKey)
		})
	}
}

func TestOpenDataKeyRejectsSuiteMismatch(t *testing.T) {
	t.Parallel()
	priv, err := SuiteX25519.GenerateKey()
	require.NoError(t, err)
	etag := ComputeETag(nil)
	sealed, err := SealDataKey(ClientKey{Suite: SuiteX25519, PublicKey: priv.PublicKey()}, etag, make([]byte, DataKeySize))
	require.NoError(t, err)
	sealed.Suite = SuiteMLKEM768X25519
	_, err = OpenDataKey(priv, etag, sealed)
	require.ErrorIs(t, err, ErrSealedKey)
}

func TestBodyRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	key := make([]byte, DataKeySize)
	_, _ = rand.Read(key)
	plaintext := []byte(`{"format":1,"patterns":[]}`)
	etag := ComputeETag(plaintext)
	body, err := EncryptBody(key, etag, plaintext, nil)
	require.NoError(t, err)
	require.Len(t, body, NonceSize+len(plaintext)+16)

	got, err := DecryptBody(key, etag, body)
	require.NoError(t, err)
	require.Equal(t, plaintext, got)

	for _, i := range []int{0, NonceSize, len(body) - 1} {
		tampered := bytes.Clone(body)
		tampered[i] ^= 0x80
		_, err = DecryptBody(key, etag, tampered)
		require.ErrorIs(t, err, ErrBody, "byte %d flipped", i)
	}
	_, err = DecryptBody(key, ComputeETag([]byte("x")), body)
	require.ErrorIs(t, err, ErrBody, "the body is bound to its ETag")
	_, err = DecryptBody(key, etag, body[:10])
	require.ErrorIs(t, err, ErrBody)
}

func TestFixedNonceIsDeterministic(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{1}, DataKeySize)
	nonce := make([]byte, NonceSize)
	a, err := EncryptBody(key, "e", []byte("p"), nonce)
	require.NoError(t, err)
	b, err := EncryptBody(key, "e", []byte("p"), nonce)
	require.NoError(t, err)
	require.Equal(t, a, b)
}
