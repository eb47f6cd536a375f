package client

import (
	"errors"
	"fmt"
)

// Error is an error reply from the server: ShareDB's {code, message}. Code
// is "" when the server sent none (errors thrown by an OT type, for example).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns "CODE: message", or just the message when there is no code.
func (e *Error) Error() string {
	if e.Code == "" {
		return "sharedb: " + e.Message
	}
	return "sharedb: " + e.Code + ": " + e.Message
}

// ErrorCode returns the ShareDB code of the first *Error in err's chain, or
// "" when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Codes the client raises locally, as ShareDB's client does.
const (
	CodeDocDoesNotExist  = "ERR_DOC_DOES_NOT_EXIST"
	CodeDocAlreadyExists = "ERR_DOC_ALREADY_CREATED"
	CodeDocWasDeleted    = "ERR_DOC_WAS_DELETED"
	CodeNoOp             = "ERR_NO_OP"
)

var (
	// ErrDisconnected is returned for requests made while the connection is
	// down, and by requests whose reply was lost because the connection
	// dropped. Submitted ops are not failed with it: they stay queued and are
	// resent after Reconnect.
	ErrDisconnected = errors.New("client: disconnected")
	// ErrClosed is returned by every call after Close, and by every waiting
	// call when Close runs.
	ErrClosed = errors.New("client: closed")
)

func localError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
