package kindred

import (
	"runtime"
	"sync"

	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// StepInto is Step decoding into b, a batch the caller owns, and returns b (a new batch when b is
// nil): each shard's VectorEnv decodes its answer (VectorEnv.StepInto) straight into the shard's
// rows of b (its copies' bytes of every tensor, its rewards and flags), so nothing is merged or
// copied afterwards but the statistics of ended episodes. The values equal Step's, bit for bit;
// errors are Step's. Keep one batch per environment (or two, alternating) as with
// VectorEnv.StepInto: each call overwrites b.
//
// b is nil, a batch never decoded into (&Batch{}, or one Step returned: it starts afresh, as with
// VectorEnv.StepInto), or one that held this environment's answers (or those of an environment of
// the same copies, agents and observations). Its slices are made on first use; a slice of another
// length (a batch of another environment) is codes.InvalidArgument naming it, before anything is
// sent. In AUTORESET_SAME_STEP the batch holds final-observation buffers for every copy (zeros in
// the rows of shards whose episodes did not end); FinalObservations is empty on steps without.
//
// The calling goroutine steps the first shard and one goroutine per other shard, started by the
// first StepInto or ResetInto and fed through a channel, steps its shard; each shard keeps its
// view of b and its request, so that StepInto allocates only what gRPC allocates for the shards'
// calls, none of its own (TestShardedStepIntoAllocatesOnlyGRPCs). Close stops the goroutines
// (so does the garbage collector's cleanup of an environment never closed).
func (s *ShardedVectorEnv) StepInto(actions []int32, b *Batch) (*Batch, error) {
	const method = "StepStream"
	if err := s.checkOpen(method); err != nil {
		return nil, err
	}
	if err := checkActions(s.spec, actions, method); err != nil {
		return nil, err
	}
	b, err := s.shape(b, method)
	if err != nil {
		return nil, err
	}
	p := s.pool()
	per := s.spec.NumAgents * len(s.spec.ActionNVec)
	for i, w := range p.shards {
		s.call[i] = true
		w.reset, w.actions = false, actions[w.first*per:(w.first+w.copies)*per]
	}
	return s.round(method, b)
}

// ResetInto is Reset decoding into b (see StepInto).
func (s *ShardedVectorEnv) ResetInto(seed *uint64, b *Batch) (*Batch, error) {
	return s.ResetCopiesInto(seed, nil, b)
}

// ResetCopiesInto is ResetCopies decoding into b (see StepInto). The rows of the shards it does
// not call keep their observations, rewards and action successes as the shard's latest answer
// left them (copied from the batch that holds it when that is not b); their flags are cleared.
func (s *ShardedVectorEnv) ResetCopiesInto(seed *uint64, copies []uint32, b *Batch) (*Batch, error) {
	const method = "Reset"
	if err := s.checkOpen(method); err != nil {
		return nil, err
	}
	if err := s.plan(method, seed, copies); err != nil {
		return nil, err
	}
	b, err := s.shape(b, method)
	if err != nil {
		return nil, err
	}
	for i, w := range s.pool().shards {
		if s.call[i] {
			w.reset, w.seed, w.resetCopies = true, seed, s.local[i]
		}
	}
	return s.round(method, b)
}

// checkActions checks every action as packActions does (for the whole environment, before any
// shard is sent its part).
func checkActions(s *Spec, actions []int32, method string) error {
	if len(actions) != s.ActionLen() {
		return newError(codes.InvalidArgument, method, "", "actions must have %d int32 values = [copies %d, agents %d, action dimensions %d], got %d",
			s.ActionLen(), s.NumCopies, s.NumAgents, len(s.ActionNVec), len(actions))
	}
	dims := len(s.ActionNVec)
	for i, v := range actions {
		if v < 0 || v >= s.ActionNVec[i%dims] {
			return actionError(s, i, v, method, "")
		}
	}
	return nil
}

// shape makes b this environment's batch: nil is a new one, one not decoded into starts afresh,
// a slice it lacks is made; a slice of another length is codes.InvalidArgument.
func (s *ShardedVectorEnv) shape(b *Batch, method string) (*Batch, error) {
	if b == nil {
		b = &Batch{}
	}
	if !b.owned {
		*b = Batch{owned: true}
	}
	sp := s.spec
	c, a, n := sp.NumCopies, sp.NumAgents, len(sp.Observations)
	wrong := func(what string, got, want int) error {
		return newError(codes.InvalidArgument, method, "",
			"the batch's %s has length %d, this environment's %d (%s: %d copies of %d agents); pass nil, a new &kindred.Batch{} or a batch this environment filled",
			what, got, want, sp.WorldID, c, a)
	}
	switch len(b.Observations) {
	case 0:
		b.Observations = make([]Tensor, n)
	case n:
	default:
		return nil, wrong("Observations", len(b.Observations), n)
	}
	for k := range b.Observations {
		o, t := &sp.Observations[k], &b.Observations[k]
		switch len(t.Raw) {
		case 0:
			t.Raw = make([]byte, o.Bytes)
		case o.Bytes:
		default:
			return nil, wrong("observation '"+o.Name+"' (Raw, bytes)", len(t.Raw), o.Bytes)
		}
		t.Spec = o
	}
	fields := []struct {
		name  string
		flags *[]bool
		n     int
	}{{"Terminated", &b.Terminated, c}, {"Truncated", &b.Truncated, c}, {"ResetMask", &b.ResetMask, c}, {"ActionSuccess", &b.ActionSuccess, c * a}}
	for _, f := range fields {
		switch len(*f.flags) {
		case 0:
			*f.flags = make([]bool, f.n)
		case f.n:
		default:
			return nil, wrong(f.name, len(*f.flags), f.n)
		}
	}
	switch len(b.Rewards) {
	case 0:
		b.Rewards = make([]float32, c*a)
	case c * a:
	default:
		return nil, wrong("Rewards", len(b.Rewards), c*a)
	}
	if sp.Autoreset == pb.AutoresetMode_AUTORESET_SAME_STEP {
		finals := b.FinalObservations[:cap(b.FinalObservations)]
		if len(finals) < n {
			grown := make([]Tensor, n)
			copy(grown, finals)
			finals = grown
		}
		for k := range sp.Observations {
			o := &sp.Observations[k]
			finals[k].Spec = o
			if len(finals[k].Raw) != o.Bytes {
				finals[k].Raw = make([]byte, o.Bytes)
			}
		}
		b.FinalObservations = finals[:0]
	}
	return b, nil
}

// intoPool is how StepInto and ResetInto step the shards: the first on the calling goroutine,
// every other on its own long-lived goroutine (serve), woken through its channel. It holds
// nothing of the ShardedVectorEnv, so that an environment dropped without Close can be collected
// (its cleanup then stops the goroutines, and the shards' sessions close with their VectorEnvs).
type intoPool struct {
	shards []*intoShard
	wg     sync.WaitGroup
	once   sync.Once
}

// intoShard is one shard as StepInto and ResetInto drive it.
type intoShard struct {
	env           *VectorEnv
	first, copies int
	// view is the shard's rows of the batch being decoded into (see aim); obs and finals are its
	// tensors.
	view        Batch
	obs, finals []Tensor
	// The call's task (set before the shard is woken) and its error.
	reset       bool
	seed        *uint64
	resetCopies []uint32
	actions     []int32
	err         error
	wake        chan struct{}
}

// pool is s.into, made (and its goroutines started) on first use.
func (s *ShardedVectorEnv) pool() *intoPool {
	if s.into != nil {
		return s.into
	}
	n := len(s.spec.Observations)
	p := &intoPool{}
	for i, sh := range s.shards {
		w := &intoShard{env: s.envs[i], first: sh.FirstCopy, copies: sh.Copies,
			obs: make([]Tensor, n), finals: make([]Tensor, n)}
		p.shards = append(p.shards, w)
		if i > 0 {
			w.wake = make(chan struct{}, 1)
			go p.serve(w)
		}
	}
	s.into = p
	s.cleanup = runtime.AddCleanup(s, (*intoPool).stop, p)
	return p
}

func (p *intoPool) serve(w *intoShard) {
	for range w.wake {
		w.run()
		p.wg.Done()
	}
}

// stop ends the goroutines (once they finish a call in progress). Idempotent.
func (p *intoPool) stop() {
	p.once.Do(func() {
		for _, w := range p.shards {
			if w.wake != nil {
				close(w.wake)
			}
		}
	})
}

func (w *intoShard) run() {
	if w.reset {
		_, w.err = w.env.ResetCopiesInto(w.seed, w.resetCopies, &w.view)
	} else {
		_, w.err = w.env.StepInto(w.actions, &w.view)
	}
	w.seed, w.resetCopies, w.actions = nil, nil, nil // the caller's are not kept
	w.view.Response = nil
}

// aim points w's view at its rows of b: copies [first, first+copies) of every tensor, the rewards
// and the flags, each slice's capacity ending with the rows, so that the decode (which reuses a
// slice whose capacity suffices) writes there and nowhere past them.
func (w *intoShard) aim(spec *Spec, b *Batch) {
	c, a := spec.NumCopies, spec.NumAgents
	lo, hi := w.first, w.first+w.copies
	finals := b.FinalObservations[:cap(b.FinalObservations)]
	for k := range spec.Observations {
		row := spec.Observations[k].Bytes / c
		w.obs[k].Raw = b.Observations[k].Raw[lo*row : hi*row : hi*row]
		w.finals[k].Raw = nil
		if k < len(finals) {
			w.finals[k].Raw = finals[k].Raw[lo*row : hi*row : hi*row]
		}
	}
	v := &w.view
	v.owned = true
	v.Observations, v.FinalObservations = w.obs, w.finals[:0]
	v.Rewards = b.Rewards[lo*a : hi*a : hi*a]
	v.ActionSuccess = b.ActionSuccess[lo*a : hi*a : hi*a]
	v.Terminated = b.Terminated[lo:hi:hi]
	v.Truncated = b.Truncated[lo:hi:hi]
	v.ResetMask = b.ResetMask[lo:hi:hi]
}

// landed checks that w's answer was decoded into its rows of b, as it is unless a server answers
// outside the session's spec (tensors in another order, final observations without
// AUTORESET_SAME_STEP): codes.Internal then.
func (w *intoShard) landed(spec *Spec, b *Batch, method string) error {
	v := &w.view
	at := func(got []Tensor, in []Tensor) bool {
		for k := range got {
			row := spec.Observations[k].Bytes / spec.NumCopies
			if got[k].Spec.Name != spec.Observations[k].Name ||
				(len(got[k].Raw) > 0 && &got[k].Raw[0] != &in[k].Raw[w.first*row]) {
				return false
			}
		}
		return true
	}
	if len(v.Observations) != len(spec.Observations) || !at(v.Observations, b.Observations) {
		return newError(codes.Internal, method, w.env.client.target, "the server's observations are not those of the session's spec, in its order")
	}
	if f := v.FinalObservations; len(f) > 0 &&
		(len(f) != len(spec.Observations) || cap(b.FinalObservations) < len(f) || !at(f, b.FinalObservations[:len(f)])) {
		return newError(codes.Internal, method, w.env.client.target, "the server's final observations are not those of the session's spec (autoreset %v)", spec.Autoreset)
	}
	return nil
}

// round steps (or resets) the shards s.call lists, each decoding into its rows of b, and completes
// b: the rows of shards not called, final observations, episodes, session step.
func (s *ShardedVectorEnv) round(method string, b *Batch) (*Batch, error) {
	p, sp := s.into, s.spec
	for i, w := range p.shards {
		w.err = nil
		if s.call[i] {
			w.aim(sp, b)
		}
	}
	for i, w := range p.shards[1:] {
		if s.call[i+1] {
			p.wg.Add(1)
			w.wake <- struct{}{}
		}
	}
	if s.call[0] {
		p.shards[0].run()
	}
	p.wg.Wait()
	for i, w := range p.shards {
		err := w.err
		if err == nil && s.call[i] {
			err = w.landed(sp, b, method)
		}
		if err != nil {
			return nil, shardError(s.shards[i], method, err)
		}
	}
	c, a := sp.NumCopies, sp.NumAgents
	final := false
	for i, w := range p.shards {
		if !s.call[i] { // as untouched: the shard's latest rows, flags cleared
			src := s.last[i]
			lo, hi := w.first, w.first+w.copies
			for k := range sp.Observations {
				row := sp.Observations[k].Bytes / c
				copy(b.Observations[k].Raw[lo*row:hi*row], src.Observations[k].Raw)
			}
			copy(b.Rewards[lo*a:hi*a], src.Rewards)
			copy(b.ActionSuccess[lo*a:hi*a], src.ActionSuccess)
			clear(b.Terminated[lo:hi])
			clear(b.Truncated[lo:hi])
			clear(b.ResetMask[lo:hi])
			step := src.SessionStep
			w.aim(sp, b)
			w.view.SessionStep, w.view.Episodes = step, w.view.Episodes[:0]
		}
		s.last[i] = &w.view
		final = final || len(w.view.FinalObservations) > 0
	}
	b.FinalObservations = b.FinalObservations[:0]
	if final { // zeros in the rows of the shards without
		b.FinalObservations = b.FinalObservations[:len(sp.Observations)]
		for _, w := range p.shards {
			if len(w.view.FinalObservations) == 0 {
				for k := range sp.Observations {
					row := sp.Observations[k].Bytes / c
					clear(b.FinalObservations[k].Raw[w.first*row : (w.first+w.copies)*row])
				}
			}
		}
	}
	episodes := b.Episodes[:0]
	for _, w := range p.shards {
		for _, e := range w.view.Episodes {
			var reuse EpisodeStats
			if len(episodes) < cap(episodes) {
				reuse = episodes[:len(episodes)+1][len(episodes)]
			}
			episodes = append(episodes, movedEpisode(reuse, e, w.first))
		}
	}
	b.Episodes = episodes
	b.spec, b.SessionStep, b.Match, b.Response = sp, p.shards[0].view.SessionStep, nil, nil
	return b, nil
}

// movedEpisode is a shard's ended episode with the global copy index, in dst's slices (emptied
// first) so that the batch's statistics are its own, not the shard's view's.
func movedEpisode(dst, e EpisodeStats, first int) EpisodeStats {
	out := e
	out.Copy += first
	out.Returns = append(dst.Returns[:0], e.Returns...)
	out.AgentStats = append(dst.AgentStats[:0], e.AgentStats...)
	out.Seats = append(dst.Seats[:0], e.Seats...)
	return out
}
