package kindred

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// Seat is one seat of a match: a name and the world's agents it controls.
type Seat struct {
	// Name: 1 to 32 characters from [a-z0-9_-], distinct within the match.
	Name string
	// Agents are the world's agent indices the seat controls, in every copy; the seat's agent
	// axis follows this order.
	Agents []int
	// WithholdObservations names copy-scope observations (e.g. a full map) the seat does not
	// receive, so that its controller sees only what its own agents see.
	WithholdObservations []string
}

// SeatGrant is a seat of a match as CreateMatch returns it: whoever holds JoinToken may join it,
// from any connection and in any language.
type SeatGrant struct {
	Name   string
	Agents []int
	// JoinToken is 32 lower-case hex digits.
	JoinToken string
}

// MatchOptions of CreateMatch. A nil *MatchOptions takes every default.
type MatchOptions struct {
	// MaxActionTime is how long a held seat has to submit its actions, counted from the step's
	// first submission (whole milliseconds, at most an hour; default 30 s). A seat that has not
	// submitted by then plays the fallback for that step.
	MaxActionTime time.Duration
	// Fallback is what the agents of a late or absent seat do: "noop" (default: the all-zeros
	// action) or "random" (uniform over the valid combinations, seeded by the session seed and
	// the seat).
	Fallback string
	// StartBeforeAllJoined steps as soon as any seat submits, absent seats on the fallback; by
	// default the first step waits until every seat has been joined once.
	StartBeforeAllJoined bool
	// Autoreset mode: pb.AutoresetMode_AUTORESET_NEXT_STEP (default) or AUTORESET_SAME_STEP.
	Autoreset pb.AutoresetMode
	// Observations to return, by name; empty: all of them.
	Observations []string
	// DenseObservations refuses the sparse encoding (see EnvOptions).
	DenseObservations bool
}

// Match is a session whose agents several controllers drive, each through a seat (JoinSeat).
// The server resets its world at creation, with the seed; seats never Reset.
//
// A match is not bound to the connection that made it: other processes join its seats with
// their grants' tokens. Close it when the match is over (the Client's Close does too); the server
// also closes it after its idle timeout without calls. Unlike a VectorEnv, a Match that becomes
// unreachable is not closed by the garbage collector, since its seats may be played elsewhere.
type Match struct {
	client    *Client
	sessionID string
	spec      *Spec
	grants    []SeatGrant
	lease     *lease
	// CloseResponse is the server's answer to CloseSession (after Close).
	CloseResponse *pb.CloseSessionResponse
}

// CreateMatch creates a match of `copies` copies of a world (see MakeVectorEnv for config and
// seed) whose agents are partitioned into seats, every agent in exactly one. With no seats
// (nil), every agent is its own seat, named by the world's agent name (e.g. "agent_0").
func (c *Client) CreateMatch(ctx context.Context, worldID string, config map[string]any, copies int, seed uint64, seats []Seat, opts *MatchOptions) (*Match, error) {
	const method = "CreateSession"
	if err := c.checkOpen(method); err != nil {
		return nil, err
	}
	o := MatchOptions{}
	if opts != nil {
		o = *opts
	}
	if copies < 1 {
		return nil, newError(codes.InvalidArgument, method, c.target, "copies must be at least 1, got %d", copies)
	}
	if o.MaxActionTime < 0 {
		return nil, newError(codes.InvalidArgument, method, c.target, "MaxActionTime must not be negative, got %s", o.MaxActionTime)
	}
	cfg, err := toStruct(config)
	if err != nil {
		return nil, newError(codes.InvalidArgument, method, c.target, "config: %v", err)
	}
	autoreset := o.Autoreset
	if autoreset == pb.AutoresetMode_AUTORESET_MODE_UNSPECIFIED {
		autoreset = pb.AutoresetMode_AUTORESET_NEXT_STEP
	}
	// Whole milliseconds, rounded up: a positive time never becomes 0 (the server's default).
	ms := (o.MaxActionTime + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<32-1 {
		ms = 1<<32 - 1 // the server names its own limit
	}
	req := &pb.CreateSessionRequest{
		WorldId:            worldID,
		Config:             cfg,
		NumCopies:          uint32(copies),
		Seed:               seed,
		Autoreset:          autoreset,
		Observations:       o.Observations,
		ClientName:         c.clientName,
		SparseObservations: !o.DenseObservations,
		SeatPerAgent:       len(seats) == 0,
		Match: &pb.MatchOptions{MaxActionTimeMs: uint32(ms), Fallback: o.Fallback,
			StartBeforeAllJoined: o.StartBeforeAllJoined},
	}
	for _, s := range seats {
		layout := &pb.SeatLayout{Name: s.Name, WithholdObservations: s.WithholdObservations}
		for _, a := range s.Agents {
			if a < 0 || a > 1<<32-1 {
				return nil, newError(codes.InvalidArgument, method, c.target, "seat '%s': agent index %d is out of range", s.Name, a)
			}
			layout.Agents = append(layout.Agents, uint32(a))
		}
		req.Seats = append(req.Seats, layout)
	}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := c.stub.CreateSession(cctx, req)
	if err != nil {
		return nil, fromRPC(err, method, c.target, c.timeout)
	}
	spec, err := newSpec(r.Spec, method)
	if err != nil {
		return nil, err
	}
	m := &Match{client: c, sessionID: r.SessionId, spec: spec, lease: &lease{client: c, sessionID: r.SessionId}}
	for _, g := range r.Seats {
		m.grants = append(m.grants, SeatGrant{Name: g.Name, Agents: ints(g.Agents), JoinToken: g.JoinToken})
	}
	c.mu.Lock()
	c.leases[m.lease] = struct{}{}
	c.mu.Unlock()
	if len(m.grants) == 0 {
		_ = m.Close()
		return nil, newError(codes.Internal, method, c.target, "the server made session %s without seats: it does not support matches", r.SessionId)
	}
	return m, nil
}

func ints(v []uint32) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// SessionID is the server's id of the match, which JoinSeat takes.
func (m *Match) SessionID() string { return m.sessionID }

// Spec is the spec of the whole world (all agents, all observations); a seat's is JoinSeat's.
func (m *Match) Spec() *Spec { return m.spec }

// Grants are the match's seats in the order created, each with its join token.
func (m *Match) Grants() []SeatGrant { return m.grants }

// Grant returns the named seat's grant.
func (m *Match) Grant(seat string) (SeatGrant, bool) {
	for _, g := range m.grants {
		if g.Name == seat {
			return g, true
		}
	}
	return SeatGrant{}, false
}

// Join joins the named seat through the match's own client (see Client.JoinSeat).
func (m *Match) Join(ctx context.Context, seat string, opts *SeatOptions) (*SeatEnv, error) {
	g, ok := m.Grant(seat)
	if !ok {
		names := make([]string, len(m.grants))
		for i, g := range m.grants {
			names[i] = g.Name
		}
		return nil, newError(codes.NotFound, "JoinSession", m.client.target, "match %s has no seat '%s' (its seats: %v)", m.sessionID, seat, names)
	}
	return m.client.JoinSeat(ctx, m.sessionID, seat, g.JoinToken, opts)
}

// Close closes the match for every seat. Idempotent; a match the server already forgot
// (expired) closes quietly.
func (m *Match) Close() error {
	r, err := m.lease.close()
	if r != nil {
		m.CloseResponse = r
	}
	return err
}
