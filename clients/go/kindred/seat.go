package kindred

import (
	"context"
	"math/rand"
	"sync"

	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// SeatOptions of JoinSeat. A nil *SeatOptions takes every default.
type SeatOptions struct {
	// Unary sends every step as its own StepSeat call instead of over one StepSeatStream (the
	// default). The client's timeout applies to each step either way: set Options.Timeout above
	// the match's MaxActionTime, and above the time its seats take to join before the first step.
	Unary bool
}

// SeatEnv is a seat of a match, held by this client: it looks like a session of a world whose
// agents are the seat's (Spec().NumAgents of them, in seat order), which steps when every held
// seat has submitted or the match's MaxActionTime has passed. Each Batch carries the step's
// Match info (how every seat was driven). A SeatEnv is not safe for concurrent use; play each
// seat from its own goroutine, since a step waits for the other seats.
//
// Leave it when done (defer seat.Leave()); the Client's Close leaves it too, and the server frees
// the seat of a connection that went away.
type SeatEnv struct {
	client    *Client
	sessionID string
	token     string
	spec      *Spec
	agents    []int
	joined    *Batch
	streaming bool
	// JoinResponse is JoinSession's answer as received: the seat's layout, every seat of the
	// match (without tokens) and the match's options.
	JoinResponse *pb.JoinSessionResponse

	// mu serialises the seat's calls.
	mu       sync.Mutex
	stream   *stepStream[pb.StepSeatRequest]
	answered uint64 // the session_step of the last answer
	left     bool
	// The packed actions, the request and its expected_step, reused from step to step (under
	// mu) as a VectorEnv's are (see VectorEnv.stepLocked: gRPC is done with a request message
	// once the call that sent it returns).
	packed []byte
	req    *pb.StepSeatRequest
	next   uint64
}

// JoinSeat takes a seat of a match with its join token (SeatGrant.JoinToken, handed over by
// whoever created the match) and returns it with its spec and current observations (Joined).
// An unknown session or seat is codes.NotFound, a wrong token codes.PermissionDenied, a seat
// another live controller holds codes.AlreadyExists, a session without seats
// codes.FailedPrecondition.
func (c *Client) JoinSeat(ctx context.Context, sessionID, seat, joinToken string, opts *SeatOptions) (*SeatEnv, error) {
	const method = "JoinSession"
	if err := c.checkOpen(method); err != nil {
		return nil, err
	}
	o := SeatOptions{}
	if opts != nil {
		o = *opts
	}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := c.stub.JoinSession(cctx, &pb.JoinSessionRequest{SessionId: sessionID, Seat: seat, JoinToken: joinToken, ClientName: c.clientName})
	if err != nil {
		return nil, fromRPC(err, method, c.target, c.timeout)
	}
	spec, err := newSpec(r.Spec, method)
	if err != nil {
		return nil, err
	}
	if r.Observation == nil || r.Seat == nil {
		return nil, newError(codes.Internal, method, c.target, "the server's JoinSession answer lacks the seat or its observation")
	}
	if len(r.Seat.Agents) != spec.NumAgents {
		return nil, newError(codes.Internal, method, c.target, "seat '%s' has %d agents but its spec %d", seat, len(r.Seat.Agents), spec.NumAgents)
	}
	joined, err := spec.decode(r.Observation, method)
	if err != nil {
		return nil, err
	}
	e := &SeatEnv{client: c, sessionID: sessionID, token: joinToken, spec: spec, agents: ints(r.Seat.Agents),
		joined: joined, streaming: !o.Unary, JoinResponse: r, answered: r.Observation.SessionStep,
		req: &pb.StepSeatRequest{SessionId: sessionID, Seat: r.Seat.Name, JoinToken: joinToken}}
	c.mu.Lock()
	c.seats[e] = struct{}{}
	c.mu.Unlock()
	return e, nil
}

// Spec is the seat's view of the world: NumAgents and AgentNames are the seat's agents, in seat
// order; Observations are the match's less those withheld from the seat.
func (e *SeatEnv) Spec() *Spec { return e.spec }

// SessionID is the match's session id.
func (e *SeatEnv) SessionID() string { return e.sessionID }

// Seat is the seat's name.
func (e *SeatEnv) Seat() string { return e.JoinResponse.Seat.Name }

// Agents are the world's agent indices of the seat's agents, in seat order: agent j of the
// seat's tensors is world agent Agents()[j].
func (e *SeatEnv) Agents() []int { return e.agents }

// Joined is JoinSession's batch: the seat's observations when it joined (the match's first
// observations, before its first step), with zero rewards and no Match info.
func (e *SeatEnv) Joined() *Batch { return e.joined }

// Streaming reports whether steps travel over one StepSeatStream (true) or unary StepSeat calls.
func (e *SeatEnv) Streaming() bool { return e.streaming }

// Step submits the seat's actions for the match's next step, int32 [copies, seat agents,
// dimensions] row-major (Spec().ActionLen() values), and returns the seat's part of the step
// once the world has stepped. Wrong lengths and out-of-range values are codes.InvalidArgument
// before anything is sent.
func (e *SeatEnv) Step(actions []int32) (*Batch, error) { return e.StepInto(actions, nil) }

// StepInto is Step decoding into b, a batch the caller owns (see VectorEnv.StepInto); it
// returns b (a new batch when b is nil). The actions are packed into a buffer the seat keeps.
func (e *SeatEnv) StepInto(actions []int32, b *Batch) (*Batch, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	buf, err := packActions(e.spec, actions, "StepSeat", e.client.target, e.packed)
	if err != nil {
		return nil, err
	}
	e.packed = buf
	return e.stepLocked(buf, b)
}

// StepRaw submits actions already packed as little-endian int32 bytes, unchecked: the server
// checks them (codes.InvalidArgument naming the seat's shape).
//
// Every StepSeat (unary or streamed) carries expected_step (the last answer's session_step + 1):
// a unary call made again after a client time-out is answered again, not applied twice, and a
// seat that fell behind (the world took that step without it: it was TIMED_OUT) gets its part
// of the latest step at once, these actions not applied; the batch's SessionStep says which, and
// the next Step plays the match's next step. A second submission for a step the seat already
// submitted to, while the world waits for the other seats, is codes.FailedPrecondition.
func (e *SeatEnv) StepRaw(actions []byte) (*Batch, error) { return e.StepRawInto(actions, nil) }

// StepRawInto is StepRaw decoding into b (see VectorEnv.StepInto).
func (e *SeatEnv) StepRawInto(actions []byte, b *Batch) (*Batch, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stepLocked(actions, b)
}

// stepLocked submits one step (mu held) and decodes the seat's part of it into b.
func (e *SeatEnv) stepLocked(actions []byte, b *Batch) (*Batch, error) {
	req := e.req
	req.Actions, req.ExpectedStep = actions, nil
	defer func() { req.Actions, req.ExpectedStep = nil, nil }() // the caller's bytes are not kept
	method := "StepSeatStream"
	if !e.streaming {
		method = "StepSeat"
	}
	if err := e.checkHeld(method); err != nil {
		return nil, err
	}
	var r *pb.StepResponse
	var err error
	if e.streaming {
		if e.stream == nil {
			if e.stream, err = openStream(e.client, method, e.client.stub.StepSeatStream); err != nil {
				e.stream = nil
				return nil, err
			}
		}
		e.next = e.answered + 1 // a late seat gets the step it missed at once (see StepRaw)
		req.ExpectedStep = &e.next
		if r, err = e.stream.call(req); err != nil {
			e.stream.close() // a failed request ends the stream; the next step opens another
			e.stream = nil
			return nil, err
		}
	} else if r, err = e.unary(req); err != nil {
		return nil, err
	}
	if b == nil {
		b, err = e.spec.decode(r, method)
	} else {
		err = e.spec.decodeInto(r, method, b)
	}
	if err != nil {
		return nil, err
	}
	e.answered = r.SessionStep
	return b, nil
}

// unary sends a StepSeat for the step after the last answer (expected_step), so that the same
// call made again after a client time-out gets that step's answer rather than a second
// submission, and a seat that fell behind gets the latest step at once (the server applies
// nothing then). It is sent once more after DeadlineExceeded or Unavailable, which leave the
// client unable to know whether the server took it.
func (e *SeatEnv) unary(req *pb.StepSeatRequest) (*pb.StepResponse, error) {
	const method = "StepSeat"
	c := e.client
	e.next = e.answered + 1
	req.ExpectedStep = &e.next
	var last error
	for attempt := 0; attempt < 2; attempt++ {
		ctx, cancel := c.callCtx(context.Background())
		r, err := c.stub.StepSeat(ctx, req)
		cancel()
		if err == nil {
			return r, nil
		}
		ke := fromRPC(err, method, c.target, c.timeout)
		if ke.Code != codes.DeadlineExceeded && ke.Code != codes.Unavailable {
			return nil, ke
		}
		last = ke
	}
	return nil, last
}

// SampleActions returns uniformly random actions for the seat's agents, [copies, seat agents,
// dimensions] (every dimension uniform on its own; see Spec.ValidCombinations and the action
// mask for the combinations a world defines).
func (e *SeatEnv) SampleActions(rng *rand.Rand) []int32 { return sampleActions(e.spec, rng) }

func (e *SeatEnv) checkHeld(method string) error {
	if e.left {
		return newError(codes.FailedPrecondition, method, e.client.target, "seat '%s' of match %s was left by this client; join it again", e.Seat(), e.sessionID)
	}
	return e.client.checkOpen(method)
}

// Leave gives the seat up: its agents play the match's fallback until a controller joins it
// again. Idempotent; a match the server already forgot (closed or expired) leaves quietly.
func (e *SeatEnv) Leave() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.left {
		return nil
	}
	e.left = true
	c := e.client
	c.mu.Lock()
	delete(c.seats, e)
	c.mu.Unlock()
	if e.stream != nil {
		e.stream.close()
		e.stream = nil
	}
	const method = "LeaveSession"
	ctx, cancel := c.callCtx(context.Background())
	defer cancel()
	_, err := c.stub.LeaveSession(ctx, &pb.LeaveSessionRequest{SessionId: e.sessionID, Seat: e.Seat(), JoinToken: e.token})
	if err != nil {
		ke := fromRPC(err, method, c.target, c.timeout)
		switch ke.Code {
		case codes.NotFound, codes.Unavailable, codes.Canceled:
			return nil
		}
		return ke
	}
	return nil
}
