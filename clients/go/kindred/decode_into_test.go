package kindred_test

import (
	"math/rand"
	"slices"
	"testing"

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
