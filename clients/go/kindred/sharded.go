package kindred

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "kindred.dev/clients/go/kindredv1"
)

// Shard is where one shard of a ShardedVectorEnv lives and which global copies it holds:
// [FirstCopy, FirstCopy+Copies).
type Shard struct {
	Target    string
	FirstCopy int
	Copies    int
}

// CopyRange is the shard's copies as text, for messages: "copies 4-7" or "copy 4".
func (s Shard) CopyRange() string {
	if s.Copies == 1 {
		return fmt.Sprintf("copy %d", s.FirstCopy)
	}
	return fmt.Sprintf("copies %d-%d", s.FirstCopy, s.FirstCopy+s.Copies-1)
}

// ShardedVectorEnv is a VectorEnv whose copies are spread over several servers: one session per
// server (a shard) holding a contiguous range of the copies, split as evenly as possible (the
// first servers take one more). Every Step sends each shard its slice of the actions from its
// own goroutine (each shard on its own StepStream), so the servers step concurrently; the
// answers are concatenated in copy order into one Batch, whose episode statistics carry global
// copy indices.
//
// Each shard is created with first_copy = the global index of its first copy, so copy c plays
// bit for bit the episodes copy c plays in the same environment on one server (same world,
// config, seed and actions), over resets and autoresets.
//
// A server that fails (gone, refusing, silent past the client's timeout) is an *Error with its
// status code whose message names the server and the copies its shard held; every other shard
// is answered first, so nothing is left in flight. Not safe for concurrent use.
//
// StepInto, ResetInto and ResetCopiesInto decode each shard's answer straight into its rows of a
// batch the caller owns (see StepInto).
type ShardedVectorEnv struct {
	envs   []*VectorEnv
	shards []Shard
	spec   *Spec
	// last holds, per shard, a batch with its latest answer (a partial Reset keeps the rows of
	// the shards it does not call): the shard's own from Step, its view from StepInto.
	last   []*Batch
	closed bool
	// call and local are a Reset's plan (see plan), reused from call to call.
	call  []bool
	local [][]uint32
	// into steps the shards of StepInto and ResetInto (made by the first); cleanup stops its
	// goroutines when the environment becomes unreachable without Close.
	into    *intoPool
	cleanup runtime.Cleanup
}

// NewShardedVectorEnv creates one session per client (at most one per copy; the clients stay
// the caller's to close). opts.FirstCopy must be zero: each shard's is set here.
func NewShardedVectorEnv(ctx context.Context, clients []*Client, worldID string, config map[string]any, copies int, seed uint64, opts *EnvOptions) (*ShardedVectorEnv, error) {
	const method = "CreateSession"
	if len(clients) == 0 {
		return nil, newError(codes.InvalidArgument, method, "", "no server given; expected at least one client")
	}
	if copies < 1 {
		return nil, newError(codes.InvalidArgument, method, "", "copies must be at least 1, got %d", copies)
	}
	o := EnvOptions{}
	if opts != nil {
		o = *opts
	}
	if o.FirstCopy != 0 {
		return nil, newError(codes.InvalidArgument, method, "", "EnvOptions.FirstCopy: a sharded environment sets each shard's first copy itself; leave it 0")
	}
	o.Unary = false
	n := min(len(clients), copies)
	s := &ShardedVectorEnv{last: make([]*Batch, n), call: make([]bool, n), local: make([][]uint32, n)}
	first := 0
	for i := 0; i < n; i++ {
		size := copies / n
		if i < copies%n {
			size++
		}
		sh := Shard{Target: clients[i].Target(), FirstCopy: first, Copies: size}
		s.shards = append(s.shards, sh)
		so := o
		so.FirstCopy = uint32(first)
		env, err := clients[i].MakeVectorEnv(ctx, worldID, config, size, seed, &so)
		if err != nil {
			s.Close()
			return nil, shardError(sh, method, err)
		}
		s.envs = append(s.envs, env)
		first += size
	}
	p := proto.Clone(s.envs[0].Spec().Proto).(*pb.EnvSpec)
	p.NumCopies = uint32(copies)
	spec, err := newSpec(p, method)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.spec = spec
	return s, nil
}

// ResolveAll returns every address a DNS name resolves to, as "address:port" targets: how a
// Kubernetes headless Service publishes the pods behind it.
func ResolveAll(ctx context.Context, hostPort string) ([]string, error) {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil || host == "" || port == "" {
		return nil, newError(codes.InvalidArgument, "", "", "target %.64q has no port; expected name:port (e.g. kindred-headless:50051)", hostPort)
	}
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return nil, newError(codes.Unavailable, "", "", "target %.64q does not resolve to any address: %v", host, err)
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = net.JoinHostPort(a, port)
	}
	return out, nil
}

// Spec is the spec of the whole environment (NumCopies counts every shard's copies).
func (s *ShardedVectorEnv) Spec() *Spec { return s.spec }

// Shards lists the shards in copy order.
func (s *ShardedVectorEnv) Shards() []Shard { return append([]Shard(nil), s.shards...) }

// Reset starts new episodes in every copy (see VectorEnv.Reset).
func (s *ShardedVectorEnv) Reset(seed *uint64) (*Batch, error) { return s.ResetCopies(seed, nil) }

// ResetCopies starts new episodes in the listed copies (global indices; all when empty). Only the
// shards holding a listed copy are called. A new seed with a copy list must list a copy of every
// shard (a shard takes a new seed only with a Reset): codes.InvalidArgument otherwise.
func (s *ShardedVectorEnv) ResetCopies(seed *uint64, copies []uint32) (*Batch, error) {
	const method = "Reset"
	if err := s.checkOpen(method); err != nil {
		return nil, err
	}
	if err := s.plan(method, seed, copies); err != nil {
		return nil, err
	}
	call, local := s.call, s.local
	parts, err := s.gather(method, call, func(i int) (*Batch, error) { return s.envs[i].ResetCopies(seed, local[i]) })
	if err != nil {
		return nil, err
	}
	for i := range parts {
		if !call[i] {
			parts[i] = untouched(s.last[i])
		}
	}
	copy(s.last, parts)
	return s.merge(parts), nil
}

// plan checks a Reset's copies (global indices; all when empty) and sets s.call (the shards to
// call) and s.local (each shard's copies, its own indices). A new seed with a copy list must
// list a copy of every shard.
func (s *ShardedVectorEnv) plan(method string, seed *uint64, copies []uint32) error {
	for i := range s.call {
		s.call[i] = len(copies) == 0
		s.local[i] = s.local[i][:0]
	}
	for _, c := range copies {
		if int(c) >= s.spec.NumCopies {
			return newError(codes.InvalidArgument, method, "", "copy index %d is out of range; expected 0 <= copy < %d", c, s.spec.NumCopies)
		}
		i := s.shardOf(int(c))
		s.local[i] = append(s.local[i], c-uint32(s.shards[i].FirstCopy))
		s.call[i] = true
	}
	for i, sh := range s.shards {
		if !s.call[i] && seed != nil {
			return newError(codes.InvalidArgument, method, "", "a Reset with a new seed must list at least one copy of every shard; none of %s (server %s) is listed. Reset all copies with the new seed, or list one copy per shard", sh.CopyRange(), sh.Target)
		}
		if !s.call[i] && s.last[i] == nil {
			return newError(codes.FailedPrecondition, method, "", "reset all copies before resetting some")
		}
	}
	return nil
}

// Step advances every copy; actions as VectorEnv.Step, for all the copies. Wrong lengths and
// out-of-range values are codes.InvalidArgument before anything is sent to any shard.
func (s *ShardedVectorEnv) Step(actions []int32) (*Batch, error) {
	const method = "StepStream"
	if err := s.checkOpen(method); err != nil {
		return nil, err
	}
	if err := checkActions(s.spec, actions, method); err != nil {
		return nil, err
	}
	per := s.spec.NumAgents * len(s.spec.ActionNVec)
	call := make([]bool, len(s.shards))
	for i := range call {
		call[i] = true
	}
	parts, err := s.gather(method, call, func(i int) (*Batch, error) {
		sh := s.shards[i]
		return s.envs[i].Step(actions[sh.FirstCopy*per : (sh.FirstCopy+sh.Copies)*per])
	})
	if err != nil {
		return nil, err
	}
	copy(s.last, parts)
	return s.merge(parts), nil
}

// gather runs f for every shard to call, concurrently, and waits for all of them; the first
// failing shard (in copy order) is the error, naming its server and copies.
func (s *ShardedVectorEnv) gather(method string, call []bool, f func(int) (*Batch, error)) ([]*Batch, error) {
	out := make([]*Batch, len(s.shards))
	errs := make([]error, len(s.shards))
	var wg sync.WaitGroup
	for i := range s.shards {
		if !call[i] {
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i], errs[i] = f(i)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, shardError(s.shards[i], method, err)
		}
	}
	return out, nil
}

func shardError(sh Shard, method string, err error) error {
	code, msg := codes.Unknown, err.Error()
	var ke *Error
	if errors.As(err, &ke) {
		code, msg = ke.Code, ke.Message
	}
	return &Error{Code: code, Method: method, Target: sh.Target,
		Message: fmt.Sprintf("shard on server %s holding %s failed: %s", sh.Target, sh.CopyRange(), msg)}
}

func (s *ShardedVectorEnv) shardOf(c int) int {
	for i, sh := range s.shards {
		if c < sh.FirstCopy+sh.Copies {
			return i
		}
	}
	return len(s.shards) - 1
}

// untouched is a shard a partial Reset did not call, as the server leaves copies it does not
// reset: observations and rewards kept; flags and episodes cleared; final observations none
// (merge gives the shard's rows zeros when another shard has them).
func untouched(b *Batch) *Batch {
	c := *b
	c.Terminated = make([]bool, len(b.Terminated))
	c.Truncated = make([]bool, len(b.Truncated))
	c.ResetMask = make([]bool, len(b.ResetMask))
	c.Episodes = nil
	c.FinalObservations = nil
	return &c
}

func (s *ShardedVectorEnv) merge(parts []*Batch) *Batch {
	b := &Batch{spec: s.spec, SessionStep: parts[0].SessionStep}
	b.Observations = mergeTensors(s.spec, parts, func(p *Batch) []Tensor { return p.Observations })
	hasFinal := false
	for _, p := range parts {
		hasFinal = hasFinal || len(p.FinalObservations) > 0
	}
	if hasFinal {
		b.FinalObservations = mergeTensors(s.spec, parts, func(p *Batch) []Tensor { return p.FinalObservations })
	}
	for i, p := range parts {
		b.Rewards = append(b.Rewards, p.Rewards...)
		b.Terminated = append(b.Terminated, p.Terminated...)
		b.Truncated = append(b.Truncated, p.Truncated...)
		b.ActionSuccess = append(b.ActionSuccess, p.ActionSuccess...)
		b.ResetMask = append(b.ResetMask, p.ResetMask...)
		for _, e := range p.Episodes {
			e.Copy += s.shards[i].FirstCopy
			b.Episodes = append(b.Episodes, e)
		}
	}
	return b
}

// mergeTensors concatenates the shards' tensors (copy-major) in copy order; a shard without
// them (final observations of a step where none of its episodes ended) adds zeros.
func mergeTensors(spec *Spec, parts []*Batch, get func(*Batch) []Tensor) []Tensor {
	out := make([]Tensor, len(spec.Observations))
	for k := range spec.Observations {
		o := &spec.Observations[k]
		raw := make([]byte, 0, o.Bytes)
		row := o.Bytes / spec.NumCopies
		for i, p := range parts {
			ts := get(p)
			if len(ts) == 0 {
				raw = append(raw, make([]byte, row*len(parts[i].Terminated))...)
				continue
			}
			raw = append(raw, ts[k].Raw...)
		}
		out[k] = Tensor{Spec: o, Raw: raw}
	}
	return out
}

func (s *ShardedVectorEnv) checkOpen(method string) error {
	if s.closed {
		return newError(codes.NotFound, method, "", "this sharded environment was closed; make a new one")
	}
	return nil
}

// Close closes every shard's session (a server that is gone does not stop the others from
// closing; the server ends such a session itself). Idempotent.
func (s *ShardedVectorEnv) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.cleanup.Stop()
	if s.into != nil {
		s.into.stop()
	}
	for _, e := range s.envs {
		_ = e.Close()
	}
	return nil
}

// String describes the environment and where its shards live.
func (s *ShardedVectorEnv) String() string {
	out := "ShardedVectorEnv{" + s.spec.WorldID + ", copies=" + strconv.Itoa(s.spec.NumCopies)
	for _, sh := range s.shards {
		out += ", " + sh.Target + " [" + sh.CopyRange() + "]"
	}
	return out + "}"
}
