package kindred_test

import (
	"context"
	"encoding/binary"
	"math/rand"
	"slices"
	"testing"
	"time"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
)

// s1Room is the S1 scenario's room (docs/benchmarks.md) as an energy.room configuration.
func s1Room() map[string]any {
	return map[string]any{"agents": 20, "width": 40, "height": 40, "altars": 5, "converters": 10,
		"green_generators": 25, "yellow_generators": 25, "walls": 40}
}

// StepInto and ResetInto give Step's and Reset's values, bit for bit, over a real session's
// steps (sparse and raw observations, per-agent and per-copy tensors, same-step autoreset's
// final observations), in one batch that keeps its buffers.
func TestStepIntoEqualsStep(t *testing.T) {
	c := dial(t)
	cases := []struct {
		world string
		cfg   map[string]any
		dense bool
	}{
		{"energy.s3", map[string]any{"max_steps": 9}, false},
		{"energy.s3", map[string]any{"max_steps": 9}, true},
		{"spin.lattice", latticeConfig(), false},
	}
	for _, tc := range cases {
		o := &kindred.EnvOptions{DenseObservations: tc.dense, Autoreset: pb.AutoresetMode_AUTORESET_SAME_STEP}
		into := makeEnv(t, c, tc.world, tc.cfg, 3, 17, o)
		plain := makeEnv(t, c, tc.world, tc.cfg, 3, 17, o)
		seed := uint64(17)
		b := &kindred.Batch{}
		got := ok(t)(into.ResetInto(&seed, b))
		want := ok(t)(plain.Reset(&seed))
		if got != b {
			t.Fatal("ResetInto returned another batch")
		}
		first := &b.Observations[0].Raw[0]
		rng := rand.New(rand.NewSource(3))
		finals, sparse := 0, 0
		for step := 0; step < 30; step++ {
			sameBatch(t, tc.world, step, b, want)
			sameValues(t, tc.world, step, b, want)
			for _, tensor := range b.Response.Observations {
				if tensor.Encoding == pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES {
					sparse++
				}
			}
			if len(want.FinalObservations) > 0 {
				finals++
				if len(b.FinalObservations) != len(want.FinalObservations) {
					t.Fatalf("%s step %d: %d final observations, want %d", tc.world, step, len(b.FinalObservations), len(want.FinalObservations))
				}
				for i := range want.FinalObservations {
					if !slices.Equal(b.FinalObservations[i].Raw, want.FinalObservations[i].Raw) {
						t.Fatalf("%s step %d: final observation %s differs", tc.world, step, want.FinalObservations[i].Spec.Name)
					}
				}
			} else if len(b.FinalObservations) != 0 {
				t.Fatalf("%s step %d: final observations where the step has none", tc.world, step)
			}
			a := into.SampleActions(rng)
			if got = ok(t)(into.StepInto(a, b)); got != b {
				t.Fatal("StepInto returned another batch")
			}
			want = ok(t)(plain.Step(a))
		}
		if &b.Observations[0].Raw[0] != first {
			t.Fatalf("%s: the batch's buffer was replaced", tc.world)
		}
		if finals < 2 || (tc.world == "energy.s3" && (sparse > 0) == tc.dense) {
			t.Fatalf("%s dense=%v: %d steps with final observations, %d sparse tensors", tc.world, tc.dense, finals, sparse)
		}
	}
}

// A StepInto over a real session (streamed, unary, and a match's seat) allocates what gRPC
// allocates for sending the same request and receiving its answer, and nothing more: the action
// packing, the request, its expected_step and the stream's answer timer are the environment's,
// reused; the decode writes into the batch. gRPC's own count (logged; with grpc-go v1.79.1 and
// protobuf-go v1.36.11: 31 per streamed step, 112 per unary one, 35 per streamed seat step) is
// mostly the unmarshalling of the answer (the StepResponse, its tensors, their names, shapes and
// bytes: about 21 per streamed step), then the request's marshalling and framing (about 6) and
// the transport's frames, pings and window updates; a unary call adds a stream per call, its
// headers, and the deadline's context and timer (counted on gRPC's side: the call needs one).
// Each is measured three times, alternately with the bare gRPC step, and the smallest compared,
// since AllocsPerRun counts the transport goroutines' allocations too.
func TestStepIntoAllocatesOnlyGRPCs(t *testing.T) {
	c := dial(t) // its Timeout (60 s) is the bare unary calls' deadline below
	// No episode ends while measured (an ended episode's statistics are allocations).
	cfg := map[string]any{"max_steps": 100000}
	for _, kind := range []string{"stream", "unary", "seat"} {
		var stepInto func(actions []int32, b *kindred.Batch) (*kindred.Batch, error)
		var held func() []byte
		var bareStep func(packed []byte) func() // gRPC alone, stepping a twin session
		var spec *kindred.Spec
		switch kind {
		case "stream", "unary":
			o := &kindred.EnvOptions{Unary: kind == "unary"}
			env := makeEnv(t, c, "energy.s3", cfg, 4, 1, o)
			bare := makeEnv(t, c, "energy.s3", cfg, 4, 1, o)
			ok(t)(env.Reset(nil))
			ok(t)(bare.Reset(nil))
			spec, stepInto, held = env.Spec(), env.StepInto, env.HeldActions
			bareStep = func(packed []byte) func() {
				req := &pb.StepRequest{SessionId: bare.SessionID(), Actions: packed}
				if kind == "unary" {
					return func() {
						cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
						defer cancel()
						if _, err := c.Stub().Step(cctx, req); err != nil {
							t.Fatal(err)
						}
					}
				}
				st := must[pb.EnvService_StepStreamClient](t)(c.Stub().StepStream(ctx))
				t.Cleanup(func() { st.CloseSend() })
				return func() {
					if err := st.Send(req); err != nil {
						t.Fatal(err)
					}
					if _, err := st.Recv(); err != nil {
						t.Fatal(err)
					}
				}
			}
		case "seat": // one seat holding every agent: the match steps as soon as it submits
			seats := []kindred.Seat{{Name: "all", Agents: []int{0, 1, 2, 3, 4}}}
			seat := join(t, makeMatch(t, c, "energy.s3", cfg, 4, 1, seats, nil), c, "all", nil)
			twin := makeMatch(t, c, "energy.s3", cfg, 4, 1, seats, nil)
			grant, _ := twin.Grant("all")
			ok(t)(join(t, twin, c, "all", nil).Step(make([]int32, seat.Spec().ActionLen()))) // joined; stepped to session step 1
			spec, stepInto, held = seat.Spec(), seat.StepInto, seat.HeldActions
			bareStep = func(packed []byte) func() {
				next := uint64(2)
				req := &pb.StepSeatRequest{SessionId: twin.SessionID(), Seat: "all", JoinToken: grant.JoinToken, Actions: packed, ExpectedStep: &next}
				st := must[pb.EnvService_StepSeatStreamClient](t)(c.Stub().StepSeatStream(ctx))
				t.Cleanup(func() { st.CloseSend() })
				return func() {
					if err := st.Send(req); err != nil {
						t.Fatal(err)
					}
					if _, err := st.Recv(); err != nil {
						t.Fatal(err)
					}
					next++
				}
			}
		}
		actions := make([]int32, spec.ActionLen())
		rng := rand.New(rand.NewSource(1))
		for i := range actions {
			actions[i] = rng.Int31n(spec.ActionNVec[i%len(spec.ActionNVec)])
		}
		b := &kindred.Batch{}
		for i := 0; i < 5; i++ {
			ok(t)(stepInto(actions, b))
		}
		if held() != nil {
			t.Fatalf("%s: the request keeps the actions after the step", kind)
		}
		packed := make([]byte, 4*len(actions))
		for i, v := range actions {
			binary.LittleEndian.PutUint32(packed[4*i:], uint32(v))
		}
		grpcStep := bareStep(packed)
		grpcStep()
		first := b.SessionStep
		ours, grpcs := 1e9, 1e9
		for round := 0; round < 3; round++ {
			ours = min(ours, testing.AllocsPerRun(200, func() { ok(t)(stepInto(actions, b)) }))
			grpcs = min(grpcs, testing.AllocsPerRun(200, grpcStep))
		}
		t.Logf("%s: %v allocations per StepInto, %v per bare gRPC step", kind, ours, grpcs)
		if ours > grpcs {
			t.Fatalf("%s: StepInto allocates %v times per step, gRPC alone %v: %v are the client's", kind, ours, grpcs, ours-grpcs)
		}
		// AllocsPerRun runs its function once more to warm up.
		if len(b.Episodes) != 0 || b.SessionStep != first+3*201 {
			t.Fatalf("%s: episodes ended (%d) or steps missing (session step %d)", kind, len(b.Episodes), b.SessionStep)
		}
	}
}

// sameValues fails unless the decoded observations, rewards and flags of a and b are equal.
func sameValues(t *testing.T, world string, step int, a, b *kindred.Batch) {
	t.Helper()
	for i := range b.Observations {
		if a.Observations[i].Spec.Name != b.Observations[i].Spec.Name || !slices.Equal(a.Observations[i].Raw, b.Observations[i].Raw) {
			t.Fatalf("%s step %d: observation %s differs", world, step, b.Observations[i].Spec.Name)
		}
	}
	if !slices.Equal(a.Rewards, b.Rewards) || !slices.Equal(a.Terminated, b.Terminated) || !slices.Equal(a.Truncated, b.Truncated) ||
		!slices.Equal(a.ActionSuccess, b.ActionSuccess) || !slices.Equal(a.ResetMask, b.ResetMask) || len(a.Episodes) != len(b.Episodes) {
		t.Fatalf("%s step %d: rewards, flags or episodes differ", world, step)
	}
	for i := range b.Episodes {
		ea, eb := a.Episodes[i], b.Episodes[i]
		if ea.Copy != eb.Copy || ea.Length != eb.Length || !slices.Equal(ea.Returns, eb.Returns) {
			t.Fatalf("%s step %d: episode %d: %+v, want %+v", world, step, i, ea, eb)
		}
	}
}

// The decode of one S1-room answer of 32 copies (20 agents on 40x40, sparse grid), as Step
// does it (a new batch) and as StepInto does (into one batch):
//
//	go test -run '^$' -bench Decode -benchmem ./kindred/
func BenchmarkDecode(b *testing.B) {
	c, err := kindred.Dial(target, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	env, err := c.MakeVectorEnv(ctx, "energy.room", s1Room(), 32, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	if _, err := env.Reset(nil); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	var r *pb.StepResponse
	for i := 0; i < 20; i++ {
		batch, err := env.Step(env.SampleActions(rng))
		if err != nil {
			b.Fatal(err)
		}
		r = batch.Response
	}
	s := env.Spec()
	b.Run("alloc", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Decode(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("into", func(b *testing.B) {
		batch := &kindred.Batch{}
		if err := s.DecodeInto(r, batch); err != nil { // its buffers, once
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.DecodeInto(r, batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
