package golang

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

// Ids only need to be unique on this machine, so a fast PRNG is enough.

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := i; j < len(b) && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return hex.EncodeToString(b)[:n]
}

// newRequestID is a request id in Lambda's UUID form.
func newRequestID() string {
	h := randomHex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// newTraceID is an X-Ray trace header like the one Lambda passes an invocation.
func newTraceID() string {
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + randomHex(24) +
		";Parent=" + randomHex(16) + ";Sampled=0"
}
