package journal

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/identity-dev/dev/internal/jsonout"
)

// AppendJSON appends e as encoding/json's Marshal writes it, byte for byte. The
// journal's writer stores every entry as JSON, one per function call under load, and
// Marshal's reflection was a quarter of that writer's time; this writes the fields in
// turn. An entry Marshal would refuse (a time outside its years) goes to Marshal, and
// so does its error.
func (e *Entry) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, `{"id":`...)
	b = jsonout.String(b, e.ID, true)
	b = append(b, `,"kind":`...)
	b = jsonout.String(b, string(e.Kind), true)
	b = appendOptString(b, `,"event":`, e.Event)
	b = appendOptString(b, `,"function":`, e.Function)
	b = appendOptString(b, `,"target":`, e.Target)
	b = appendOptString(b, `,"user_id":`, e.UserID)
	b = appendOptString(b, `,"user_email":`, e.UserEmail)
	b = appendOptInt(b, `,"attempt":`, e.Attempt)
	b = appendOptInt(b, `,"attempts":`, e.Attempts)
	b = append(b, `,"request":{"method":`...)
	b = jsonout.String(b, e.Request.Method, true)
	b = append(b, `,"url":`...)
	b = jsonout.String(b, e.Request.URL, true)
	b = append(b, `,"headers":`...)
	b = appendHeader(b, e.Request.Header)
	b = append(b, `,"body":`...)
	b = jsonout.Bytes(b, e.Request.Body)
	b = appendCut(b, e.Request.Cut, e.Request.Size)
	b = append(b, '}')
	if r := e.Response; r != nil {
		b = append(b, `,"response":{"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		if len(r.Header) > 0 {
			b = append(b, `,"headers":`...)
			b = appendHeader(b, r.Header)
		}
		b = append(b, `,"body":`...)
		b = jsonout.Bytes(b, r.Body)
		b = appendCut(b, r.Cut, r.Size)
		b = append(b, '}')
	}
	b = append(b, `,"outcome":`...)
	b = jsonout.String(b, e.Outcome, true)
	b = appendOptString(b, `,"error":`, e.Error)
	b = append(b, `,"duration_ms":`...)
	if math.IsInf(e.DurationMS, 0) || math.IsNaN(e.DurationMS) {
		return marshalInstead(b[:start], e)
	}
	b = jsonout.Float(b, e.DurationMS)
	b = appendOptString(b, `,"replay_of":`, e.ReplayOf)
	b = append(b, `,"created_at":"`...)
	out, err := e.CreatedAt.AppendText(b) // on an error out is not b
	if err != nil {
		return marshalInstead(b[:start], e)
	}
	return append(out, `"}`...), nil
}

func marshalInstead(b []byte, e *Entry) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return b, err
	}
	return append(b, raw...), nil
}

func appendOptString(b []byte, field, s string) []byte {
	if s == "" {
		return b
	}
	return jsonout.String(append(b, field...), s, true)
}

func appendOptInt(b []byte, field string, n int) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, field...), int64(n), 10)
}

func appendCut(b []byte, cut bool, size int) []byte {
	if cut {
		b = append(b, `,"body_cut":true`...)
	}
	return appendOptInt(b, `,"body_size":`, size)
}

// appendHeader writes h as Marshal writes a map of lists.
func appendHeader(b []byte, h http.Header) []byte {
	return jsonout.Map(b, h, true, func(b []byte, vs []string) []byte { return jsonout.Strings(b, vs, true) })
}
