// Package apierror is the error a client sees, in PostHog's shape:
// {"type", "code", "detail", "attr"} with an HTTP status.
package apierror

import (
	"fmt"
	"net/http"
)

// Error is an error meant for the API client.
type Error struct {
	Status int     `json:"-"`
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Attr   *string `json:"attr"`
}

func (e *Error) Error() string {
	if e.Attr != nil {
		return fmt.Sprintf("%d %s (%s): %s", e.Status, e.Code, *e.Attr, e.Detail)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Detail)
}

func attr(a string) *string {
	if a == "" {
		return nil
	}
	return &a
}

// Validation is a 400 about the field attr ("" for the request as a whole).
func Validation(attrName, code, detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "validation_error", Code: code, Detail: detail, Attr: attr(attrName)}
}

// Invalid is a 400 about the field attr with the code invalid_input.
func Invalid(attrName, detail string) *Error {
	return Validation(attrName, "invalid_input", detail)
}

// NotAuthenticated is the 401 for a request that carries no credentials.
func NotAuthenticated() *Error {
	return &Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "not_authenticated",
		Detail: "Authentication credentials were not provided."}
}

// AuthenticationFailed is the 401 for credentials that are not valid.
func AuthenticationFailed(detail string) *Error {
	return &Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "authentication_failed", Detail: detail}
}

// InvalidCredentials is the 401 for a sign-in whose email or password is
// wrong; it does not say which.
func InvalidCredentials() *Error {
	return &Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_credentials",
		Detail: "Invalid email or password."}
}

// Required is the 400 for a field that must be sent.
func Required(attrName string) *Error {
	return Validation(attrName, "required", "This field is required.")
}

// Blank is the 400 for a field that must not be empty.
func Blank(attrName string) *Error {
	return Validation(attrName, "blank", "This field may not be blank.")
}

// PermissionDenied is the 403 for an authenticated caller that may not do this.
func PermissionDenied(detail string) *Error {
	return &Error{Status: http.StatusForbidden, Type: "authentication_error", Code: "permission_denied", Detail: detail}
}

// NotFound is a 404.
func NotFound(detail string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "invalid_request", Code: "not_found", Detail: detail}
}

// MethodNotAllowed is a 405.
func MethodNotAllowed(method string) *Error {
	return &Error{Status: http.StatusMethodNotAllowed, Type: "invalid_request", Code: "method_not_allowed",
		Detail: fmt.Sprintf("Method \"%s\" not allowed.", method)}
}

// ParseError is the 400 for a body that cannot be read.
func ParseError(detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalid_request", Code: "parse_error", Detail: detail}
}

// TooLarge is the 413 for a body over the cap.
func TooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request", Code: "request_too_large",
		Detail: fmt.Sprintf("Request body is larger than the limit of %d bytes.", limit)}
}

// Throttled is the 429 for a key over its rate limit.
func Throttled(waitSeconds int) *Error {
	return &Error{Status: http.StatusTooManyRequests, Type: "throttled_error", Code: "throttled",
		Detail: fmt.Sprintf("Request was throttled. Expected available in %d seconds.", waitSeconds)}
}

// Internal is the 500 for everything unexpected; the cause is logged, never shown.
func Internal() *Error {
	return &Error{Status: http.StatusInternalServerError, Type: "server_error", Code: "error",
		Detail: "A server error occurred."}
}
