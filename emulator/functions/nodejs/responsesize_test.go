package nodejs

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/identity-dev/dev/emulator/functions"
)

// A v1 result is held to Lambda's limit, counted as Go results are (the JSON's bytes):
// at the limit it goes through, one byte over it fails as in production, and the worker
// serves the next call.
func TestResponseSizeLimit(t *testing.T) {
	in := start(t, testRuntime(t), "big")
	envelope := len(`{"statusCode":200,"body":""}`) // what big.js adds to its n bytes
	atLimit := functions.MaxResponseSize - envelope
	for _, tt := range []struct {
		n        int
		tooLarge bool
	}{
		{atLimit, false},
		{atLimit + 1, true},
		{7 << 20, true},
		{3, false}, // the same worker, after the failures
	} {
		resp, err := invoke(t, in, get("n="+strconv.Itoa(tt.n)))
		if !tt.tooLarge {
			if err != nil {
				t.Fatalf("%d bytes: %v", tt.n, err)
			}
			if got := len(resp.Lambda); got != tt.n+envelope {
				t.Fatalf("%d bytes: a %d-byte result", tt.n, got)
			}
			continue
		}
		var fe *functions.FunctionError
		want := functions.ResponseSizeTooLarge()
		if !errors.As(err, &fe) || fe.Type != want.Type || fe.Message != want.Message || fe.Fatal {
			got := "no result"
			if resp != nil {
				got = fmt.Sprintf("a %d-byte result", len(resp.Lambda))
			}
			t.Fatalf("%d bytes: got %s and %#v, want the non-fatal %v", tt.n, got, err, want)
		}
	}
}
