package wire

// Inline is an encrypted snapshot carried inside a JSON response, such as
// the response to POST /scanner/runs. It holds the same data as a 200
// response of GET /patterns/snapshot: encoding/json writes the byte slices
// in standard base64 with padding.
type Inline struct {
	// ETag is the bare hex SHA-256 digest of the plaintext.
	ETag string `json:"etag"`
	// Suite is the HPKE suite that sealed the data key.
	Suite Suite `json:"suite"`
	// SealedKey is the HPKE encapsulated key followed by the sealed data
	// key, as in the X-Snapshot-Key header.
	SealedKey []byte `json:"sealed_key"`
	// Ciphertext is the encrypted body: nonce, ciphertext and tag.
	Ciphertext []byte `json:"ciphertext"`
}
