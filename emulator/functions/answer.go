package functions

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Answer is what the client of a function gets: a status, headers and the whole body
// (nil when empty).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// answerOf maps a function's answer, or its failure, to what the client gets. A
// streamed (v2) body is returned apart, for the caller to copy or read, and close.
func answerOf(resp *Response, err error) (*Answer, io.ReadCloser) {
	if err != nil {
		return invokeErrorAnswer(err), nil
	}
	if resp == nil {
		return functionErrorAnswer(http.StatusInternalServerError, "InternalError", "the function's runtime gave no answer", nil), nil
	}
	if resp.Body != nil {
		header := http.Header{}
		for k, vs := range resp.Header {
			for _, v := range vs {
				header.Add(k, v)
			}
		}
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		return &Answer{Status: status, Header: header}, resp.Body
	}
	res, perr := ParseLambdaResult(resp.Lambda)
	if perr != nil {
		return functionErrorAnswer(http.StatusInternalServerError, "InvalidResponse", perr.Error(), nil), nil
	}
	return &Answer{Status: res.StatusCode, Header: res.Headers, Body: res.Body}, nil
}

// invokeErrorAnswer is the answer to an invocation that failed.
func invokeErrorAnswer(err error) *Answer {
	var fe *FunctionError
	var ee *ExitError
	var be *BuildError
	var te *TimeoutError
	switch {
	case errors.As(err, &fe):
		typ := fe.Type
		if typ == "" {
			typ = "Error"
		}
		return functionErrorAnswer(http.StatusInternalServerError, typ, fe.Message, fe.Stack)
	case errors.As(err, &ee):
		return functionErrorAnswer(http.StatusInternalServerError, "ProcessExited", ee.Error(), nil)
	case errors.As(err, &be):
		return functionErrorAnswer(http.StatusInternalServerError, "BuildError", be.Error(), nil)
	case errors.As(err, &te):
		return functionErrorAnswer(http.StatusInternalServerError, "TimeoutError", te.Error(), nil)
	}
	return functionErrorAnswer(http.StatusInternalServerError, "InternalError", err.Error(), nil)
}

// functionErrorAnswer is in the shape Lambda and netlify dev use for a failed function.
func functionErrorAnswer(status int, typ, msg string, trace []string) *Answer {
	if trace == nil {
		trace = []string{}
	}
	b, _ := json.Marshal(struct {
		Type    string   `json:"errorType"`
		Message string   `json:"errorMessage"`
		Trace   []string `json:"trace"`
	}{typ, msg, trace})
	return &Answer{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}
}

// bodyErrorAnswer is the answer to a request whose body could not be read whole.
func bodyErrorAnswer(err error) *Answer {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return tooLargeAnswer()
	}
	return functionErrorAnswer(http.StatusBadRequest, "BadRequest", "reading the request body: "+err.Error(), nil)
}

func tooLargeAnswer() *Answer {
	return functionErrorAnswer(http.StatusRequestEntityTooLarge, "PayloadTooLarge", fmt.Sprintf("the request body is over the %d-byte limit of a function", MaxEventBody), nil)
}

// textAnswer is what http.Error writes.
func textAnswer(status int, msg string) *Answer {
	return &Answer{Status: status, Body: []byte(msg + "\n"), Header: http.Header{
		"Content-Type":           {"text/plain; charset=utf-8"},
		"X-Content-Type-Options": {"nosniff"},
	}}
}

// writeAnswer writes an answer's status, headers and body to the client.
func writeAnswer(w http.ResponseWriter, a *Answer) {
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.Status)
	if len(a.Body) > 0 {
		_, _ = w.Write(a.Body)
	}
}

// writeWholeAnswer writes an answer whose body is all there and sends it at once,
// with its length, as production's buffered responses have, so that what the server
// does next (journal, log) does not delay the client.
func writeWholeAnswer(w http.ResponseWriter, a *Answer) {
	if a.Status >= 200 && a.Status != http.StatusNoContent && a.Status != http.StatusNotModified &&
		a.Header.Get("Content-Length") == "" && a.Header.Get("Transfer-Encoding") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(a.Body)))
	}
	writeAnswer(w, a)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// streamTo copies a streamed body to the client as it comes, and closes it.
func streamTo(w http.ResponseWriter, body io.ReadCloser) {
	defer body.Close()
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if rerr != nil {
			return
		}
	}
}

// readAnswerBody reads a streamed body whole, as far as MaxResponseSize; over it,
// the answer is Lambda's to an oversized result, as a buffering client would get.
func readAnswerBody(a *Answer, body io.ReadCloser) (*Answer, error) {
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, MaxResponseSize+1))
	if len(b) > MaxResponseSize {
		return invokeErrorAnswer(ResponseSizeTooLarge()), nil
	}
	if len(b) > 0 {
		a.Body = b
	}
	return a, err
}
