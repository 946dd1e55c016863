package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// HTTPError is GoTrue's error body: {"code","msg"} with the status equal to code, and
// "error_id" (the request id) added to 5xx answers.
type HTTPError struct {
	Code     int    `json:"code"`
	Message  string `json:"msg"`
	ErrorID  string `json:"error_id,omitempty"`
	internal error
}

func (e *HTTPError) Error() string {
	if e.internal != nil {
		return fmt.Sprintf("%d %s: %v", e.Code, e.Message, e.internal)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

func (e *HTTPError) Unwrap() error { return e.internal }

// withInternal records the cause for the log; clients never see it.
func (e *HTTPError) withInternal(err error) *HTTPError {
	e.internal = err
	return e
}

func httpError(code int, format string, args ...any) *HTTPError {
	return &HTTPError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *HTTPError {
	return httpError(http.StatusBadRequest, format, args...)
}

func unauthorized(format string, args ...any) *HTTPError {
	return httpError(http.StatusUnauthorized, format, args...)
}

func forbidden(format string, args ...any) *HTTPError {
	return httpError(http.StatusForbidden, format, args...)
}

func notFound(format string, args ...any) *HTTPError {
	return httpError(http.StatusNotFound, format, args...)
}

func unprocessable(format string, args ...any) *HTTPError {
	return httpError(http.StatusUnprocessableEntity, format, args...)
}

func internalError(format string, args ...any) *HTTPError {
	return httpError(http.StatusInternalServerError, format, args...)
}

// OAuthError is the error body of /token: always status 400.
type OAuthError struct {
	Err         string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *OAuthError) Error() string { return e.Err + ": " + e.Description }

func oauthError(err, description string) *OAuthError {
	return &OAuthError{Err: err, Description: description}
}

// writeError answers with err in GoTrue's shape. Errors that are neither HTTPError nor
// OAuthError become the literal 500 "Internal server error".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *OAuthError
	if errors.As(err, &oe) {
		writeJSON(w, http.StatusBadRequest, oe)
		return
	}
	var he *HTTPError
	if !errors.As(err, &he) {
		he = internalError("Internal server error").withInternal(err)
	}
	out := *he
	if out.Code >= 500 {
		out.ErrorID = requestID(r)
	}
	writeJSON(w, out.Code, &out)
}

// writeJSON writes compact JSON, as Go's encoding/json does in GoTrue.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"code":500,"msg":"Internal server error"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
