package identity

import (
	"bytes"
	"encoding/json"
)

// decodeJSON decodes the first JSON value of body the way GoTrue does (json.Decoder),
// so its error texts match: "EOF" for an empty body, "unexpected EOF" for a cut one.
func decodeJSON(body []byte, v any) error {
	return json.NewDecoder(bytes.NewReader(body)).Decode(v)
}
