package wire

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
)

// benchDocument returns a document whose canonical form is about size
// bytes, with a learned weight on every other pattern.
func benchDocument(size int) Document {
	doc := Document{Format: FormatVersion}
	rule := strings.Repeat("call(exec.Command) & arg(0: tainted) | ", 25)
	for total := 0; total < size; total += len(rule) + 150 {
		p := Pattern{
			ID: fmt.Sprintf("go.bench-%05d", len(doc.Patterns)), Language: "go", Severity: "warning",
			Message: "Command built from request data", Rule: rule, Tags: []string{"security", "injection"},
		}
		if len(doc.Patterns)%2 == 0 {
			weight := 0.75
			p.Weight = &weight
		}
		doc.Patterns = append(doc.Patterns, p)
	}
	return doc
}

// BenchmarkCanonical measures the canonical serialisation of a 256 KiB
// snapshot document, which every snapshot build does once. Run:
// go test -run '^$' -bench Canonical ./snapshots/wire
func BenchmarkCanonical(b *testing.B) {
	doc := benchDocument(256 << 10)
	plaintext, err := Canonical(doc)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(plaintext)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Canonical(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealDataKey measures the HPKE seal of a data key to a client
// key, done once per 200 response and per inline snapshot, for each suite.
func BenchmarkSealDataKey(b *testing.B) {
	dataKey := make([]byte, DataKeySize)
	_, _ = rand.Read(dataKey)
	etag := ComputeETag([]byte("bench"))
	for _, suite := range Suites() {
		b.Run(string(suite), func(b *testing.B) {
			priv, err := suite.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			key := ClientKey{Suite: suite, PublicKey: priv.PublicKey()}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SealDataKey(key, etag, dataKey); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncryptBody measures the AES-256-GCM encryption of a 256 KiB
// snapshot body, done once per snapshot build.
func BenchmarkEncryptBody(b *testing.B) {
	plaintext, err := Canonical(benchDocument(256 << 10))
	if err != nil {
		b.Fatal(err)
	}
	dataKey := make([]byte, DataKeySize)
	_, _ = rand.Read(dataKey)
	etag := ComputeETag(plaintext)
	b.SetBytes(int64(len(plaintext)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncryptBody(dataKey, etag, plaintext, nil); err != nil {
			b.Fatal(err)
		}
	}
}
