package functions

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// MaxResponseSize is Lambda's limit, in bytes, for a buffered response payload: a v1
// function's result as JSON. dev does not limit a streamed (v2) response over HTTP;
// Call, which reads one whole, stops at this limit too.
const MaxResponseSize = 6291556

// ResponseSizeTooLarge is the error of a function whose result is over MaxResponseSize,
// in Lambda's words. Both runtimes answer it, so the client gets the same answer.
func ResponseSizeTooLarge() *FunctionError {
	return &FunctionError{
		Type:    "Function.ResponseSizeTooLarge",
		Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseSize),
	}
}

// LambdaResult is a v1 function's answer.
type LambdaResult struct {
	StatusCode      int
	Headers         http.Header
	Body            []byte
	IsBase64Encoded bool
}

// ParseLambdaResult checks and decodes a v1 answer: an object whose statusCode is a
// number, whose body is a string (or absent), whose headers are strings (numbers and
// booleans are written out) and whose multiValueHeaders are lists. A body with
// isBase64Encoded is decoded. Anything else is an error that says what was wrong.
func ParseLambdaResult(raw json.RawMessage) (*LambdaResult, error) {
	if res, ok := parseCommonResult(raw); ok {
		return res, nil
	}
	return parseAnyResult(raw)
}

// parseAnyResult is ParseLambdaResult through encoding/json: every result, and every
// error's words.
func parseAnyResult(raw json.RawMessage) (*LambdaResult, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the function returned %s; a function must return an object like {statusCode: 200, body: \"...\"}", describeJSON(raw))
	}
	res := &LambdaResult{Headers: http.Header{}}
	rawStatus := bytes.TrimSpace(obj["statusCode"])
	var status float64
	if len(rawStatus) == 0 || rawStatus[0] == '"' || json.Unmarshal(rawStatus, &status) != nil {
		return nil, fmt.Errorf("the function's response has no numeric statusCode (got %s)", describeJSON(rawStatus))
	}
	code := int(status)
	if float64(code) != status || code < 100 || code > 999 {
		return nil, fmt.Errorf("the function's response has statusCode %s, which is not an HTTP status", rawStatus)
	}
	res.StatusCode = code
	if b, ok := obj["isBase64Encoded"]; ok && string(b) != "null" {
		if err := json.Unmarshal(b, &res.IsBase64Encoded); err != nil {
			return nil, fmt.Errorf("the function's response has isBase64Encoded %s; it must be true or false", b)
		}
	}
	if b, ok := obj["body"]; ok && string(b) != "null" {
		var body string
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, fmt.Errorf("the function's response body is %s; it must be a string (use JSON.stringify for objects)", describeJSON(b))
		}
		if res.IsBase64Encoded {
			decoded, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				return nil, fmt.Errorf("the function's response says isBase64Encoded but its body is not base64: %v", err)
			}
			res.Body = decoded
		} else {
			res.Body = []byte(body)
		}
	}
	if b, ok := obj["headers"]; ok && string(b) != "null" {
		var headers map[string]any
		if err := json.Unmarshal(b, &headers); err != nil {
			return nil, fmt.Errorf("the function's response headers are %s; they must be an object of strings", describeJSON(b))
		}
		for _, k := range sortedKeys(headers) {
			v, err := headerValue(headers[k])
			if err != nil {
				return nil, fmt.Errorf("the function's response header %q: %v", k, err)
			}
			res.Headers.Set(k, v)
		}
	}
	if b, ok := obj["multiValueHeaders"]; ok && string(b) != "null" {
		var headers map[string][]any
		if err := json.Unmarshal(b, &headers); err != nil {
			return nil, fmt.Errorf("the function's response multiValueHeaders are %s; they must be an object of lists of strings", describeJSON(b))
		}
		for _, k := range sortedKeys(headers) {
			res.Headers.Del(k)
			for _, item := range headers[k] {
				v, err := headerValue(item)
				if err != nil {
					return nil, fmt.Errorf("the function's response multiValueHeaders %q: %v", k, err)
				}
				res.Headers.Add(k, v)
			}
		}
	}
	return res, nil
}

func headerValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("value %v is not a string", v)
}

func describeJSON(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
