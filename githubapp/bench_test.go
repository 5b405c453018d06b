package githubapp

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkWebhookDelivery measures one signed pull_request delivery from
// request to 200: signature check, decode, and the transaction that stores
// the delivery and queues its check message.
func BenchmarkWebhookDelivery(b *testing.B) {
	e := setup(b)
	payload := e.pullRequestPayload("synchronize", newSHA())
	signature := sign(payload, testWebhookSecret)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res := e.deliverSigned("pull_request", payload, uuid.NewString(), signature)
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.StopTimer()
	e.takeMessages()
}

// BenchmarkAnnotationBatch measures loading one batch of 50 annotations
// from a run's findings, the per-request database work of a completion.
func BenchmarkAnnotationBatch(b *testing.B) {
	e := setup(b)
	runID := e.registerRun(newSHA())
	e.finishRun(runID, conclusionFailure, locatedFindings(500))
	b.ReportAllocs()
	b.ResetTimer()
	batch := 0
	for b.Loop() {
		annotations, err := loadAnnotations(e.ctx, e.pool, runID, batch%10)
		if err != nil || len(annotations) != maxAnnotationsPerReq {
			b.Fatalf("batch %d: %d annotations, %v", batch%10, len(annotations), err)
		}
		batch++
	}
}

// BenchmarkDecodePayload decodes the recorded pull_request.synchronize
// payload into pullRequestPayload with encoding/json and with
// decodePayload.
func BenchmarkDecodePayload(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(webhooksDir(b), "pull_request", "synchronize.json"))
	if err != nil {
		b.Fatal(err)
	}
	decoders := map[string]func(any) error{
		"encoding_json": func(v any) error { return json.Unmarshal(raw, v) },
		"decodePayload": func(v any) error { return decodePayload("pull_request", "delivery-1", raw, v) },
	}
	for name, decode := range decoders {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				var event pullRequestPayload
				if err := decode(&event); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
