package kindred

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is the one error type of the client: a failure reported by (or on the way to) a
// Kindred server. It carries the gRPC status code and the server's message, and converts back
// to a gRPC status (status.Code(err) and status.Convert(err) work on it).
type Error struct {
	// Code is the gRPC status code, e.g. codes.InvalidArgument, codes.NotFound,
	// codes.Unavailable (server down), codes.DeadlineExceeded (no answer in time).
	Code codes.Code
	// Message is the server's message (or the client's, for failures that never reached it).
	Message string
	// Method is the RPC that failed (e.g. "Step"), when there was one.
	Method string
	// Target is the server address.
	Target string
}

func (e *Error) Error() string {
	where := ""
	switch {
	case e.Method != "" && e.Target != "":
		where = fmt.Sprintf(" (%s at %s)", e.Method, e.Target)
	case e.Method != "":
		where = fmt.Sprintf(" (%s)", e.Method)
	case e.Target != "":
		where = fmt.Sprintf(" (%s)", e.Target)
	}
	return fmt.Sprintf("%s: %s%s", codeName(e.Code), e.Message, where)
}

// GRPCStatus makes status.Code, status.Convert and status.FromError understand an *Error.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// Code returns the gRPC code of err: its own for an *Error (also wrapped), codes.OK for nil,
// otherwise what status.Code says.
func Code(err error) codes.Code {
	var ke *Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return status.Code(err)
}

// codeName spells a code the way the protocol's comments and the other clients do
// ("INVALID_ARGUMENT").
func codeName(c codes.Code) string {
	names := map[codes.Code]string{
		codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
		codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
		codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
		codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
		codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
		codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return c.String()
}

func newError(code codes.Code, method, target, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Method: method, Target: target}
}

// fromRPC turns an error of a gRPC call into an *Error with the server's message.
func fromRPC(err error, method, target string, timeout time.Duration) *Error {
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return newError(codes.DeadlineExceeded, method, target, "no answer from %s within %s (client timeout)", target, timeout)
	}
	if errors.Is(err, context.Canceled) {
		return newError(codes.Canceled, method, target, "the call was cancelled")
	}
	st := status.Convert(err)
	msg := st.Message()
	switch st.Code() {
	case codes.DeadlineExceeded:
		msg = fmt.Sprintf("no answer from %s within %s (client timeout); %s", target, timeout, msg)
	case codes.Unavailable:
		msg = fmt.Sprintf("the Kindred server at %s cannot be reached: %s", target, msg)
	}
	return &Error{Code: st.Code(), Message: msg, Method: method, Target: target}
}
