package session

import (
	"github.com/coder/websocket"
)

// ShareDB error codes Weft sends in error replies ({"error":{"code","message"}}).
// They are ShareDB's own strings (sharedb-protocol.md §3.8), which clients
// compare against; an error reply is the request echoed with "error" added.
const (
	// CodeBadMessage: the request is not a valid message (unknown action,
	// wrong field types, invalid JSON, a non-object frame).
	CodeBadMessage = "ERR_MESSAGE_BADLY_FORMED"
	// CodeSeqOverflow: an op's seq is at least 2^53-1.
	CodeSeqOverflow = "ERR_CONNECTION_SEQ_INTEGER_OVERFLOW"
	// CodeOpBadlyFormed: the op fails the shape checks (a create with an
	// unknown type, del not true, src without seq) or the type's strict
	// Validate.
	CodeOpBadlyFormed = "ERR_OT_OP_BADLY_FORMED"
	// CodeTypeNotRecognized: the document's or presence's type is not
	// registered on this server.
	CodeTypeNotRecognized = "ERR_DOC_TYPE_NOT_RECOGNIZED"
	// CodeAlreadyCreated: a create on an existing document, or an op
	// transformed against a concurrent create.
	CodeAlreadyCreated = "ERR_DOC_ALREADY_CREATED"
	// CodeDocNotExist: an edit or delete of a document that does not exist.
	CodeDocNotExist = "ERR_DOC_DOES_NOT_EXIST"
	// CodeDocWasDeleted: an edit or create transformed against a delete.
	CodeDocWasDeleted = "ERR_DOC_WAS_DELETED"
	// CodeVersionNewer: an op or nf version beyond the document's version.
	CodeVersionNewer = "ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT"
	// CodeTransformOpsNotFound: the store lacks ops needed to transform.
	CodeTransformOpsNotFound = "ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND"
	// CodeMaxRetries: the commit lost the version race to other instances
	// more than Options.MaxSubmitRetries times in a row.
	CodeMaxRetries = "ERR_MAX_SUBMIT_RETRIES_EXCEEDED"
	// CodeNoPresence: doc presence on a type without TransformPresence.
	CodeNoPresence = "ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE"
	// CodePresenceTransform: the server-side presence transform failed.
	CodePresenceTransform = "ERR_PRESENCE_TRANSFORM_FAILED"
	// CodeQueryBad: a query outside the supported subset (see query.go);
	// ShareDB's code for a database that cannot run the query.
	CodeQueryBad = "ERR_DATABASE_METHOD_NOT_IMPLEMENTED"
	// CodeRateLimited: an op or presence message beyond the connection's
	// rate (Options.OpRate, PresenceRate). The message is not applied; a
	// client that keeps going is closed with CloseRateLimited. Weft's own
	// code (ShareDB has no rate limits).
	CodeRateLimited = "ERR_RATE_LIMITED"
	// CodeTooManySubscriptions: a subscribe, bulk subscribe, live query or
	// presence subscription beyond Options.MaxSubscriptions; nothing of the
	// request is subscribed. Weft's own code.
	CodeTooManySubscriptions = "ERR_TOO_MANY_SUBSCRIPTIONS"
	// CodeOpTooLarge: an op message over Options.MaxOpBytes. Weft's own code.
	CodeOpTooLarge = "ERR_OP_TOO_LARGE"
	// CodeDocTooLarge: an op whose result would exceed Options.MaxDocBytes;
	// the document is unchanged. Weft's own code.
	CodeDocTooLarge = "ERR_DOC_TOO_LARGE"
	// CodeInternal: the store failed or another internal error happened;
	// the message is generic and the details are logged. The client rolls
	// back and refetches.
	CodeInternal = "ERR_UNKNOWN_ERROR"
)

// WebSocket close codes (RFC 6455) Weft uses. Clients reconnect on all of
// them; a reconnect resubscribes from the client's versions and catches up.
const (
	// CloseNormal (1000): the client asked to close.
	CloseNormal = websocket.StatusNormalClosure
	// CloseGoingAway (1001): the server is shutting down (Manager.Shutdown,
	// a drain on SIGINT), or a keepalive ping went unanswered.
	CloseGoingAway = websocket.StatusGoingAway
	// CloseServiceRestart (1012): the server is restarting (a drain on
	// SIGTERM, Manager.Drain); the client reconnects at once, through the
	// load balancer to another instance.
	CloseServiceRestart = websocket.StatusServiceRestart
	// CloseUnsupportedData (1003): a binary frame; only text frames carry
	// messages.
	CloseUnsupportedData = websocket.StatusUnsupportedData
	// CloseSlowConsumer (1008, policy violation): the connection's send
	// queue filled up because the client did not read fast enough. Nothing
	// is skipped: the client reconnects and catches up by version.
	CloseSlowConsumer = websocket.StatusPolicyViolation
	// CloseRateLimited (1008, policy violation, reason "rate limit
	// exceeded"): the client kept sending past its rate limit
	// (Options.RateStrikes refusals within RateStrikeWindow).
	CloseRateLimited = websocket.StatusPolicyViolation
	// CloseTooBig (1009): a message over Options.ReadLimit, counted after
	// permessage-deflate decompression.
	CloseTooBig = websocket.StatusMessageTooBig
	// CloseInternal (1011): an unexpected server failure on the connection.
	CloseInternal = websocket.StatusInternalError
	// CloseTryAgainLater (1013, reason "server unavailable"): the server
	// is at Options.MaxConnections. (An upgrade beyond
	// MaxConnectionsPerIP is refused earlier, with HTTP 429.)
	CloseTryAgainLater = websocket.StatusTryAgainLater
	// CloseTokenExpired (4401, reason "token expired"): the credentials the
	// connection was opened with expired. Reconnecting needs a fresh token.
	CloseTokenExpired websocket.StatusCode = 4401
	// CloseTokenRevoked (4403, reason "token revoked"): the revocation list
	// names the connection's token id or subject.
	CloseTokenRevoked websocket.StatusCode = 4403
)

// shareErr is an error reply's payload.
type shareErr struct {
	Code    string // "" for errors ShareDB sends without a code
	Message string
}

func (e *shareErr) Error() string { return e.Code + ": " + e.Message }

func errf(code, msg string) *shareErr { return &shareErr{Code: code, Message: msg} }

var errInternal = errf(CodeInternal, "Internal server error")
