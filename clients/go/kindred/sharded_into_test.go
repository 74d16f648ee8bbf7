package kindred_test

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
)

// intoRun drives a ShardedVectorEnv through ResetCopiesInto and StepInto (as run's env) into two
// batches it alternates, filled with garbage before each call so that a row the call leaves
// unwritten shows; each call must return the batch it was given, whose buffers stay the same.
// mixed: every other call is the allocating ResetCopies or Step instead.
type intoRun struct {
	t       *testing.T
	s       *kindred.ShardedVectorEnv
	mixed   bool
	calls   int
	batches [2]*kindred.Batch
	first   [2]*byte
}

func (r *intoRun) ResetCopies(seed *uint64, copies []uint32) (*kindred.Batch, error) {
	if r.mixed && r.calls%2 == 1 {
		r.calls++
		return r.s.ResetCopies(seed, copies)
	}
	b := r.next()
	got, err := r.s.ResetCopiesInto(seed, copies, b)
	return r.done(b, got, err)
}

func (r *intoRun) Step(actions []int32) (*kindred.Batch, error) {
	if r.mixed && r.calls%2 == 1 {
		r.calls++
		return r.s.Step(actions)
	}
	b := r.next()
	got, err := r.s.StepInto(actions, b)
	return r.done(b, got, err)
}

func (r *intoRun) next() *kindred.Batch {
	i := (r.calls / 2) % 2
	if !r.mixed {
		i = r.calls % 2
	}
	if r.batches[i] == nil {
		r.batches[i] = &kindred.Batch{}
	}
	b := r.batches[i]
	for _, ts := range [][]kindred.Tensor{b.Observations, b.FinalObservations[:cap(b.FinalObservations)]} {
		for _, t := range ts {
			for k := range t.Raw {
				t.Raw[k] = 0xA5
			}
		}
	}
	for k := range b.Rewards {
		b.Rewards[k] = -7
	}
	for _, flags := range [][]bool{b.Terminated, b.Truncated, b.ActionSuccess, b.ResetMask} {
		for k := range flags {
			flags[k] = !flags[k]
		}
	}
	b.Episodes = append(b.Episodes[:0], kindred.EpisodeStats{Copy: -1, Returns: []float64{-1}})
	b.SessionStep = 1 << 60
	return b
}

func (r *intoRun) done(b, got *kindred.Batch, err error) (*kindred.Batch, error) {
	r.t.Helper()
	i := (r.calls / 2) % 2
	if !r.mixed {
		i = r.calls % 2
	}
	r.calls++
	if err != nil {
		return nil, err
	}
	if got != b {
		r.t.Fatal("the sharded StepInto or ResetCopiesInto returned another batch than the one it was given")
	}
	if r.first[i] == nil {
		r.first[i] = &b.Observations[0].Raw[0]
	} else if &b.Observations[0].Raw[0] != r.first[i] {
		r.t.Fatal("the sharded StepInto or ResetCopiesInto replaced the batch's buffer")
	}
	return got, nil
}

// Each shard's VectorEnv decodes into its own rows of the caller's batch: its view's tensors,
// rewards and flags are the batch's memory at the shard's first copy, as long as its copies.
func TestShardedStepIntoDecodesIntoEachShardsRows(t *testing.T) {
	clients := []*kindred.Client{dial(t), dial(t), dial(t)}
	s, err := kindred.NewShardedVectorEnv(ctx, clients, "spin.lattice", latticeConfig(), 5, 7,
		&kindred.EnvOptions{Autoreset: pb.AutoresetMode_AUTORESET_SAME_STEP})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	spec := s.Spec()
	c, a := spec.NumCopies, spec.NumAgents
	b := ok(t)(s.ResetInto(nil, nil)) // nil: a new batch
	rng := rand.New(rand.NewSource(1))
	finals := 0
	for step := 0; step < 10; step++ {
		if got := ok(t)(s.StepInto(sampleActions(spec, rng), b)); got != b {
			t.Fatal("StepInto returned another batch")
		}
		if len(b.FinalObservations) > 0 {
			finals++
		}
		for i, sh := range s.Shards() {
			v := s.ShardView(i)
			lo, n := sh.FirstCopy, sh.Copies
			at := func(what string, got, want any, gotLen, wantLen int) {
				t.Helper()
				g, w := fmt.Sprintf("%p", got), fmt.Sprintf("%p", want)
				if g != w || gotLen != wantLen {
					t.Fatalf("step %d, shard %d (%s): %s decoded at %s, length %d; its rows start at %s, length %d",
						step, i, sh.CopyRange(), what, g, gotLen, w, wantLen)
				}
			}
			for k, o := range spec.Observations {
				row := o.Bytes / c
				at(o.Name, &v.Observations[k].Raw[0], &b.Observations[k].Raw[lo*row], len(v.Observations[k].Raw), n*row)
				if len(b.FinalObservations) > 0 {
					at("final "+o.Name, &v.FinalObservations[k].Raw[0], &b.FinalObservations[k].Raw[lo*row], len(v.FinalObservations[k].Raw), n*row)
				}
			}
			at("rewards", &v.Rewards[0], &b.Rewards[lo*a], len(v.Rewards), n*a)
			at("action_success", &v.ActionSuccess[0], &b.ActionSuccess[lo*a], len(v.ActionSuccess), n*a)
			at("terminated", &v.Terminated[0], &b.Terminated[lo], len(v.Terminated), n)
			at("truncated", &v.Truncated[0], &b.Truncated[lo], len(v.Truncated), n)
			at("reset_mask", &v.ResetMask[0], &b.ResetMask[lo], len(v.ResetMask), n)
		}
	}
	if finals == 0 {
		t.Fatal("no step had final observations")
	}
}

func sampleActions(spec *kindred.Spec, rng *rand.Rand) []int32 {
	out := make([]int32, spec.ActionLen())
	for i := range out {
		out[i] = rng.Int31n(spec.ActionNVec[i%len(spec.ActionNVec)])
	}
	return out
}

// A batch of another shape, wrong actions and a closed environment are errors before anything is
// sent (the next step is the session's next); nil, a new batch and a batch Step returned are
// taken.
func TestShardedStepIntoChecksBeforeSending(t *testing.T) {
	clients := []*kindred.Client{dial(t), dial(t)}
	cfg := map[string]any{"max_steps": 100000}
	s, err := kindred.NewShardedVectorEnv(ctx, clients, "energy.s3", cfg, 4, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	spec := s.Spec()
	actions := make([]int32, spec.ActionLen())
	b := ok(t)(s.ResetInto(nil, &kindred.Batch{}))
	step := ok(t)(s.StepInto(actions, b)).SessionStep
	nothingSent := func(what string) {
		t.Helper()
		if got := ok(t)(s.StepInto(actions, b)).SessionStep; got != step+1 {
			t.Fatalf("%s: the next step is session step %d, want %d", what, got, step+1)
		}
		step++
	}

	other := makeEnv(t, clients[0], "energy.s3", cfg, 3, 1, nil) // 3 copies, not 4
	fromOther := ok(t)(other.ResetInto(nil, &kindred.Batch{}))
	o := spec.Observations[0]
	_, err = s.StepInto(actions, fromOther)
	wantCode(t, err, codes.InvalidArgument, "observation '"+o.Name+"'", fmt.Sprintf("length %d, this environment's %d", 3*o.Bytes/4, o.Bytes))
	nothingSent("another environment's batch")
	_, err = s.ResetInto(nil, fromOther)
	wantCode(t, err, codes.InvalidArgument, "observation '"+o.Name+"'")

	for _, tc := range []struct {
		field string
		spoil func(*kindred.Batch)
	}{
		{"Observations", func(g *kindred.Batch) { g.Observations = append(g.Observations, g.Observations[0]) }},
		{"Rewards", func(g *kindred.Batch) { g.Rewards = g.Rewards[:1] }},
		{"Terminated", func(g *kindred.Batch) { g.Terminated = append(g.Terminated, true) }},
		{"ActionSuccess", func(g *kindred.Batch) { g.ActionSuccess = g.ActionSuccess[:3] }},
	} {
		g := ok(t)(s.StepInto(actions, nil))
		step++
		tc.spoil(g)
		_, err := s.StepInto(actions, g)
		wantCode(t, err, codes.InvalidArgument, "the batch's "+tc.field+" has length")
		nothingSent(tc.field)
	}

	_, err = s.StepInto(actions[1:], b)
	wantCode(t, err, codes.InvalidArgument, fmt.Sprintf("actions must have %d int32 values", len(actions)))
	nothingSent("too few actions")
	bad := append([]int32(nil), actions...)
	bad[len(bad)-1] = spec.ActionNVec[len(spec.ActionNVec)-1] // the last shard's last copy
	_, err = s.StepInto(bad, b)
	wantCode(t, err, codes.InvalidArgument, fmt.Sprintf("action of copy %d, agent %d", spec.NumCopies-1, spec.NumAgents-1))
	nothingSent("an action out of range in the last shard (StepInto)")
	_, err = s.Step(bad)
	wantCode(t, err, codes.InvalidArgument, fmt.Sprintf("action of copy %d, agent %d", spec.NumCopies-1, spec.NumAgents-1))
	nothingSent("an action out of range in the last shard (Step)")

	stepped := ok(t)(s.Step(actions)) // not decoded into: taken, starting afresh
	step++
	if got := ok(t)(s.StepInto(actions, stepped)); got != stepped || got.SessionStep != step+1 {
		t.Fatalf("StepInto into a batch Step returned: %p (given %p), session step %d", got, stepped, got.SessionStep)
	}
	step++
	nothingSent("after a batch Step returned")

	s.Close()
	_, err = s.StepInto(actions, b)
	wantCode(t, err, codes.NotFound, "closed")
	_, err = s.ResetInto(nil, b)
	wantCode(t, err, codes.NotFound, "closed")
}

// A sharded StepInto allocates what gRPC allocates for the shards' steps, and nothing more: each
// shard's view of the batch, its part of the actions and its goroutine are kept from step to step,
// and every shard decodes into the caller's batch. Its allocations are compared with those of the
// bare gRPC steps of twin sessions, one per shard on the shard's client, one after the other (as
// TestStepIntoAllocatesOnlyGRPCs does for one session: the smallest of three counts each).
func TestShardedStepIntoAllocatesOnlyGRPCs(t *testing.T) {
	clients := []*kindred.Client{dial(t), dial(t), dial(t)}
	cfg := map[string]any{"max_steps": 100000} // no episode ends while measured
	s, err := kindred.NewShardedVectorEnv(ctx, clients, "energy.s3", cfg, 6, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	spec := s.Spec()
	actions := sampleActions(spec, rand.New(rand.NewSource(1)))
	per := spec.NumAgents * len(spec.ActionNVec)
	var bare []func()
	for i, sh := range s.Shards() {
		twin := makeEnv(t, clients[i], "energy.s3", cfg, sh.Copies, 1, &kindred.EnvOptions{FirstCopy: uint32(sh.FirstCopy)})
		ok(t)(twin.Reset(nil))
		packed := make([]byte, 4*sh.Copies*per)
		for j, v := range actions[sh.FirstCopy*per : (sh.FirstCopy+sh.Copies)*per] {
			binary.LittleEndian.PutUint32(packed[4*j:], uint32(v))
		}
		req := &pb.StepRequest{SessionId: twin.SessionID(), Actions: packed}
		st := must[pb.EnvService_StepStreamClient](t)(clients[i].Stub().StepStream(ctx))
		t.Cleanup(func() { st.CloseSend() })
		bare = append(bare, func() {
			if err := st.Send(req); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Recv(); err != nil {
				t.Fatal(err)
			}
		})
	}
	grpcSteps := func() {
		for _, f := range bare {
			f()
		}
	}
	b := ok(t)(s.ResetInto(nil, &kindred.Batch{}))
	for i := 0; i < 5; i++ {
		ok(t)(s.StepInto(actions, b))
	}
	if s.HeldActions() {
		t.Fatal("a shard keeps the caller's actions after the step")
	}
	grpcSteps()
	first, raw0 := b.SessionStep, &b.Observations[0].Raw[0]
	ours, grpcs := 1e9, 1e9
	for round := 0; round < 3; round++ {
		ours = min(ours, testing.AllocsPerRun(200, func() { ok(t)(s.StepInto(actions, b)) }))
		grpcs = min(grpcs, testing.AllocsPerRun(200, grpcSteps))
	}
	t.Logf("%d shards: %v allocations per sharded StepInto, %v per the shards' bare gRPC steps", len(bare), ours, grpcs)
	if ours > grpcs {
		t.Fatalf("the sharded StepInto allocates %v times per step, the shards' gRPC steps alone %v: %v are the client's", ours, grpcs, ours-grpcs)
	}
	// AllocsPerRun runs its function once more to warm up.
	if len(b.Episodes) != 0 || b.SessionStep != first+3*201 || &b.Observations[0].Raw[0] != raw0 {
		t.Fatalf("episodes ended (%d), steps missing (session step %d) or the buffer was replaced", len(b.Episodes), b.SessionStep)
	}
}

// intoGoroutines counts the goroutines that step the shards of StepInto.
func intoGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "kindred.(*intoPool).serve")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// The first StepInto starts one goroutine per shard but the first; Close ends them, and so does
// the garbage collector's cleanup of an environment dropped without Close.
func TestShardedStepIntoGoroutinesEnd(t *testing.T) {
	clients := []*kindred.Client{dial(t), dial(t), dial(t)}
	before := intoGoroutines()
	start := func() *kindred.ShardedVectorEnv {
		s, err := kindred.NewShardedVectorEnv(ctx, clients, "energy.s3", nil, 3, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := intoGoroutines(); n != before {
			t.Fatalf("%d shard goroutines before the first StepInto, want %d", n, before)
		}
		b := ok(t)(s.ResetInto(nil, nil))
		ok(t)(s.StepInto(make([]int32, s.Spec().ActionLen()), b))
		if n := intoGoroutines(); n != before+2 {
			t.Fatalf("%d shard goroutines after StepInto over 3 shards, want %d", n, before+2)
		}
		return s
	}
	s := start()
	s.Close()
	if !waitFor(func() bool { return intoGoroutines() == before }) {
		t.Fatalf("Close left %d shard goroutines", intoGoroutines()-before)
	}

	func() { start() }() // dropped without Close
	if !waitFor(func() bool { runtime.GC(); return intoGoroutines() == before }) {
		t.Fatalf("the garbage collector left %d shard goroutines of an environment nobody holds", intoGoroutines()-before)
	}
}
