package kindred

import (
	"bytes"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "kindred.dev/clients/go/kindredv1"
)

// A shard's answer lands in its rows of the batch (here the second of two shards of 2 copies);
// one outside the session's spec, which would land elsewhere (tensors in another order, final
// observations without AUTORESET_SAME_STEP), is codes.Internal rather than a batch that silently
// lacks it.
func TestShardAnswerLandsInItsRowsOrIsAnError(t *testing.T) {
	shardSpec, r := syntheticResponse(t) // 2 copies of 3 agents
	for _, mode := range []pb.AutoresetMode{pb.AutoresetMode_AUTORESET_NEXT_STEP, pb.AutoresetMode_AUTORESET_SAME_STEP} {
		p := proto.Clone(shardSpec.Proto).(*pb.EnvSpec)
		p.NumCopies, p.Episode = 4, &pb.EpisodeSpec{Autoreset: mode}
		spec, err := newSpec(p, "CreateSession")
		if err != nil {
			t.Fatal(err)
		}
		s := &ShardedVectorEnv{spec: spec}
		w := &intoShard{env: &VectorEnv{client: &Client{target: "shard:1"}}, first: 2, copies: 2,
			obs: make([]Tensor, 2), finals: make([]Tensor, 2)}
		decode := func(r *pb.StepResponse) (*Batch, error) {
			b, err := s.shape(nil, "Step")
			if err != nil {
				t.Fatal(err)
			}
			w.aim(spec, b)
			if err := shardSpec.decodeInto(r, "Step", &w.view); err != nil {
				t.Fatal(err)
			}
			return b, w.landed(spec, b, "Step")
		}
		want, err := shardSpec.decode(r, "Step")
		if err != nil {
			t.Fatal(err)
		}
		b, err := decode(r)
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		for k, o := range spec.Observations {
			half := o.Bytes / 2
			if !bytes.Equal(b.Observations[k].Raw[half:], want.Observations[k].Raw) || !bytes.Equal(b.Observations[k].Raw[:half], make([]byte, half)) {
				t.Fatalf("%v: observation %s: %v, want zeros then %v", mode, o.Name, b.Observations[k].Raw, want.Observations[k].Raw)
			}
		}
		if b.Rewards[6] != 0 || !b.Terminated[3] || b.Terminated[1] || !b.ActionSuccess[6] || b.ActionSuccess[7] || !b.ResetMask[2] {
			t.Fatalf("%v: rewards and flags not in the shard's rows: %v %v %v %v", mode, b.Rewards, b.Terminated, b.ActionSuccess, b.ResetMask)
		}

		swapped := proto.Clone(r).(*pb.StepResponse)
		swapped.Observations[0], swapped.Observations[1] = swapped.Observations[1], swapped.Observations[0]
		if _, err := decode(swapped); Code(err) != codes.Internal {
			t.Fatalf("%v: observations in another order: %v, want an INTERNAL error", mode, err)
		}
		finals := proto.Clone(r).(*pb.StepResponse)
		finals.FinalObservations = finals.Observations
		_, err = decode(finals)
		if same := mode == pb.AutoresetMode_AUTORESET_SAME_STEP; same != (err == nil) || (!same && Code(err) != codes.Internal) {
			t.Fatalf("%v: final observations: %v", mode, err)
		}
	}
}
