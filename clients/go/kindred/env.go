package kindred

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// VectorEnv is a batched session: NumCopies copies of a world, each with NumAgents agents.
// Reset it before the first Step. A VectorEnv is not safe for concurrent use.
//
// Close it when done (defer env.Close()). Its session also closes with the Client's Close, and
// when the garbage collector finds the VectorEnv unreachable without Close (a cleanup sends
// CloseSession); the server closes the sessions of a process that died a few seconds after its
// connection goes.
type VectorEnv struct {
	client    *Client
	sessionID string
	spec      *Spec
	streaming bool
	lease     *lease
	cleanup   runtime.Cleanup
	// CloseResponse is the server's answer to CloseSession (after Close).
	CloseResponse *pb.CloseSessionResponse
	// answered is the session_step of the last answer (Reset or Step); valid once known.
	answered uint64
	known    bool
	// The packed actions, the request and its expected_step, reused from step to step (under
	// lease.mu) so that a step allocates none of them: see stepLocked.
	packed []byte
	req    *pb.StepRequest
	next   uint64
}

// lease is what the server holds for one VectorEnv, kept apart from the VectorEnv so that the
// Client and the garbage collector's cleanup can close it without keeping the VectorEnv alive.
// Its mutex also serialises the VectorEnv's calls.
type lease struct {
	client    *Client
	sessionID string
	mu        sync.Mutex
	stream    *stepStream[pb.StepRequest]
	closed    bool
}

func newVectorEnv(c *Client, sessionID string, spec *Spec, streaming bool) *VectorEnv {
	l := &lease{client: c, sessionID: sessionID}
	e := &VectorEnv{client: c, sessionID: sessionID, spec: spec, streaming: streaming, lease: l,
		req: &pb.StepRequest{SessionId: sessionID}}
	// The cleanup holds the lease, never the VectorEnv, or the VectorEnv could not become unreachable.
	e.cleanup = runtime.AddCleanup(e, func(l *lease) { go l.close() }, l)
	return e
}

// close closes the server session, waiting for the answer. Idempotent; a session the server
// already forgot (expired) or a server that is gone counts as closed.
func (l *lease) close() (*pb.CloseSessionResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil
	}
	l.closed = true
	l.client.forget(l)
	if l.stream != nil {
		l.stream.close()
		l.stream = nil
	}
	c := l.client
	ctx, cancel := c.callCtx(context.Background())
	defer cancel()
	r, err := c.stub.CloseSession(ctx, &pb.CloseSessionRequest{SessionId: l.sessionID})
	if err != nil {
		ke := fromRPC(err, "CloseSession", c.target, c.timeout)
		switch ke.Code {
		case codes.NotFound, codes.Unavailable, codes.FailedPrecondition, codes.Canceled:
			return nil, nil
		}
		return nil, ke
	}
	return r, nil
}

// Spec returns the session's spec.
func (e *VectorEnv) Spec() *Spec { return e.spec }

// SessionID is the server's id of the session.
func (e *VectorEnv) SessionID() string { return e.sessionID }

// Streaming reports whether steps travel over one StepStream (true) or unary Step calls.
func (e *VectorEnv) Streaming() bool { return e.streaming }

func (e *VectorEnv) checkOpen(method string) error {
	if e.lease.closed {
		return newError(codes.NotFound, method, e.client.target, "session %s was closed by this client", e.sessionID)
	}
	return e.client.checkOpen(method)
}

// Reset starts new episodes in every copy. With a seed the session's seed stream restarts from
// it (same seed and actions, same trajectory); with nil each copy moves on to its next episode
// seed.
func (e *VectorEnv) Reset(seed *uint64) (*Batch, error) { return e.ResetCopies(seed, nil) }

// ResetCopies starts new episodes in the listed copies (all when copies is empty).
func (e *VectorEnv) ResetCopies(seed *uint64, copies []uint32) (*Batch, error) {
	return e.ResetCopiesInto(seed, copies, nil)
}

// ResetInto is Reset decoding into b, a batch the caller owns and reuses from call to call (see
// StepInto); it returns b (a new batch when b is nil).
func (e *VectorEnv) ResetInto(seed *uint64, b *Batch) (*Batch, error) {
	return e.ResetCopiesInto(seed, nil, b)
}

// ResetCopiesInto is ResetCopies decoding into b (see StepInto).
func (e *VectorEnv) ResetCopiesInto(seed *uint64, copies []uint32, b *Batch) (*Batch, error) {
	const method = "Reset"
	e.lease.mu.Lock()
	defer e.lease.mu.Unlock()
	if err := e.checkOpen(method); err != nil {
		return nil, err
	}
	ctx, cancel := e.client.callCtx(context.Background())
	defer cancel()
	r, err := e.client.stub.Reset(ctx, &pb.ResetRequest{SessionId: e.sessionID, Seed: seed, Copies: copies})
	if err != nil {
		return nil, fromRPC(err, method, e.client.target, e.client.timeout)
	}
	return e.decode(r, method, b)
}

// decode decodes an answer (into b, unless nil: into a new batch whose raw tensors are the
// message's bytes) and remembers its session_step for the next unary Step.
func (e *VectorEnv) decode(r *pb.StepResponse, method string, into *Batch) (b *Batch, err error) {
	if into == nil {
		b, err = e.spec.decode(r, method)
	} else {
		b, err = into, e.spec.decodeInto(r, method, into)
	}
	if err != nil {
		return nil, err
	}
	e.answered, e.known = r.SessionStep, true
	return b, nil
}

// Step advances every copy by one step. actions is int32 [copies, agents, dimensions],
// row-major (Spec().ActionLen() values); values of dimension d lie in [0, ActionNVec[d]).
// Wrong lengths and out-of-range values are codes.InvalidArgument before anything is sent.
func (e *VectorEnv) Step(actions []int32) (*Batch, error) { return e.StepInto(actions, nil) }

// StepInto is Step decoding into b, a batch the caller owns, and returns b (a new batch when b
// is nil). Each call overwrites b: its observations' Raw bytes, rewards and flags are written
// into the slices b holds (grown when too small; a sparse tensor is cleared, then its nonzero
// bytes set), so that once b has held an answer of the session the decode allocates nothing.
// Keep one batch per session (or two, alternating, to keep the previous step) and copy what
// must outlive the next call. The values equal Step's, bit for bit; errors are Step's.
//
// The actions are packed into a buffer the VectorEnv keeps from step to step and sent in its one
// request, so that StepInto allocates only what gRPC allocates for the call (and the unary
// call's deadline), none of its own (TestStepIntoAllocatesOnlyGRPCs).
func (e *VectorEnv) StepInto(actions []int32, b *Batch) (*Batch, error) {
	e.lease.mu.Lock()
	defer e.lease.mu.Unlock()
	buf, err := packActions(e.spec, actions, "Step", e.client.target, e.packed)
	if err != nil {
		return nil, err
	}
	e.packed = buf
	return e.stepLocked(buf, b)
}

// packActions checks actions against the spec and packs them as little-endian int32 bytes into
// buf (reslicing it when its capacity suffices, else into a new slice), which it returns.
func packActions(s *Spec, actions []int32, method, target string, buf []byte) ([]byte, error) {
	if len(actions) != s.ActionLen() {
		return nil, newError(codes.InvalidArgument, method, target,
			"actions must have %d int32 values = [copies %d, agents %d, action dimensions %d] for %s, got %d",
			s.ActionLen(), s.NumCopies, s.NumAgents, len(s.ActionNVec), s.WorldID, len(actions))
	}
	dims := len(s.ActionNVec)
	if n := 4 * len(actions); cap(buf) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	for i, v := range actions {
		if n := s.ActionNVec[i%dims]; v < 0 || v >= n {
			return nil, actionError(s, i, v, method, target)
		}
		binary.LittleEndian.PutUint32(buf[4*i:], uint32(v))
	}
	return buf, nil
}

// actionError is the error of actions[i] = v, out of its dimension's range.
func actionError(s *Spec, i int, v int32, method, target string) error {
	dims := len(s.ActionNVec)
	c, a, d := i/(dims*s.NumAgents), (i/dims)%s.NumAgents, i%dims
	return newError(codes.InvalidArgument, method, target,
		"action of copy %d, agent %d, dimension %d (%s) must be in [0, %d), got %d", c, a, d, s.ActionNames[d], s.ActionNVec[d], v)
}

// StepRaw sends actions already packed as little-endian int32 bytes, unchecked: the server
// checks them (wrong lengths and values are codes.InvalidArgument with its message).
//
// A unary Step carries expected_step (the last answer's session_step + 1), so the server
// applies it at most once: the same request sent again after a timeout is answered again
// without a second step.
func (e *VectorEnv) StepRaw(actions []byte) (*Batch, error) { return e.StepRawInto(actions, nil) }

// StepRawInto is StepRaw decoding into b (see StepInto).
func (e *VectorEnv) StepRawInto(actions []byte, b *Batch) (*Batch, error) {
	e.lease.mu.Lock()
	defer e.lease.mu.Unlock()
	return e.stepLocked(actions, b)
}

// stepLocked sends one step (lease.mu held) and decodes its answer into b (see StepInto).
//
// It sends the VectorEnv's one StepRequest, and StepInto's actions are packed into one buffer:
// reusing both from step to step is safe because grpc-go is done with a request message once the
// call that sent it returns (checked in grpc-go v1.79.1, stream.go): SendMsg (the stream's Send;
// Invoke for a unary call) marshals the message before it returns (prepareMsg -> encode -> the
// proto codec's Marshal, which copies it into gRPC's own buffers), and the transport, the retry
// buffer and the binary log use those buffers, never the message. Only a stats handler or
// grpc.EnableTracing's lazy trace log keep the message itself (SendMsg's doc: "Tracing libraries
// and stats handlers may use the message lazily"): this client installs no stats handler, and
// with EnableTracing on (off by default) /debug/requests could show a later step's actions,
// nothing more.
func (e *VectorEnv) stepLocked(actions []byte, b *Batch) (*Batch, error) {
	req := e.req
	req.Actions, req.ExpectedStep = actions, nil
	defer func() { req.Actions, req.ExpectedStep = nil, nil }() // the caller's bytes are not kept
	if !e.streaming {
		const method = "Step"
		if err := e.checkOpen(method); err != nil {
			return nil, err
		}
		if e.known {
			e.next = e.answered + 1
			req.ExpectedStep = &e.next
		}
		ctx, cancel := e.client.callCtx(context.Background())
		defer cancel()
		r, err := e.client.stub.Step(ctx, req)
		if err != nil {
			return nil, fromRPC(err, method, e.client.target, e.client.timeout)
		}
		return e.decode(r, method, b)
	}
	const method = "StepStream"
	if err := e.checkOpen(method); err != nil {
		return nil, err
	}
	l := e.lease
	if l.stream == nil {
		st, err := openStream(e.client, method, e.client.stub.StepStream)
		if err != nil {
			return nil, err
		}
		l.stream = st
	}
	r, err := l.stream.call(req)
	if err != nil {
		l.stream.close() // a failed request ends the stream; the next step opens another
		l.stream = nil
		return nil, err
	}
	return e.decode(r, method, b)
}

// SampleActions returns uniformly random valid actions, [copies, agents, dimensions].
func (e *VectorEnv) SampleActions(rng *rand.Rand) []int32 { return sampleActions(e.spec, rng) }

func sampleActions(s *Spec, rng *rand.Rand) []int32 {
	out := make([]int32, s.ActionLen())
	dims := len(s.ActionNVec)
	for i := range out {
		out[i] = rng.Int31n(s.ActionNVec[i%dims])
	}
	return out
}

// Close closes the server session. Idempotent; a session the server already forgot (expired)
// closes quietly.
func (e *VectorEnv) Close() error {
	e.cleanup.Stop()
	r, err := e.lease.close()
	if r != nil {
		e.CloseResponse = r
	}
	return err
}

// stepStream is one StepStream (or StepSeatStream) call used as a sequence of request/response
// pairs. Each response has the client's timeout: when it passes, the stream is cancelled, so
// that a hung server is a DEADLINE_EXCEEDED error rather than a hang.
type stepStream[Req any] struct {
	client   *Client
	method   string
	cancel   context.CancelFunc
	stream   grpc.BidiStreamingClient[Req, pb.StepResponse]
	timedOut atomic.Bool
	// timer cancels the stream when an answer takes longer than the client's timeout; one for
	// the stream's life (made on its first call), re-armed per call, so a call allocates none.
	timer *time.Timer
}

// openStream opens a step stream with open (the stub's StepStream or StepSeatStream).
func openStream[Req any](c *Client, method string,
	open func(context.Context, ...grpc.CallOption) (grpc.BidiStreamingClient[Req, pb.StepResponse], error)) (*stepStream[Req], error) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := open(ctx)
	if err != nil {
		cancel()
		return nil, fromRPC(err, method, c.target, c.timeout)
	}
	return &stepStream[Req]{client: c, method: method, cancel: cancel, stream: st}, nil
}

func (s *stepStream[Req]) call(req *Req) (*pb.StepResponse, error) {
	c := s.client
	if c.timeout > 0 {
		if s.timer == nil {
			s.timer = time.AfterFunc(c.timeout, s.expire)
		} else {
			s.timer.Reset(c.timeout)
		}
		defer s.timer.Stop()
	}
	if err := s.stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
		return nil, s.fail(err)
	}
	// On io.EOF from Send the server has ended the stream; Recv returns its status.
	r, err := s.stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, newError(codes.Unavailable, s.method, c.target, "the server ended the step stream")
		}
		return nil, s.fail(err)
	}
	return r, nil
}

// expire is the timer's: the answer is late, the stream is cancelled (its Recv fails).
func (s *stepStream[Req]) expire() {
	s.timedOut.Store(true)
	s.cancel()
}

func (s *stepStream[Req]) fail(err error) *Error {
	c := s.client
	if s.timedOut.Load() {
		return newError(codes.DeadlineExceeded, s.method, c.target, "no answer from %s within %s (client timeout)", c.target, c.timeout)
	}
	return fromRPC(err, s.method, c.target, c.timeout)
}

func (s *stepStream[Req]) close() {
	if s.timer != nil {
		s.timer.Stop()
	}
	_ = s.stream.CloseSend()
	s.cancel()
}
