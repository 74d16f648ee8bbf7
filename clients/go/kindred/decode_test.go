package kindred

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "kindred.dev/clients/go/kindredv1"
)

// Decoding without a server: a per-agent float32 tensor, a per-copy int32 tensor sent sparse,
// and an empty reward field (a reset's).
func TestDecodeSyntheticResponse(t *testing.T) {
	spec, r := syntheticResponse(t)
	f := r.Observations[0].Data
	dense := make([]byte, 24)
	binary.LittleEndian.PutUint32(dense[8:], uint32(0xFFFFFFFE))
	binary.LittleEndian.PutUint32(dense[16:], 258)
	b, err := spec.decode(r, "Step")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := b.Float32s("f")
	if len(fs) != 12 || fs[0] != 0.5 || fs[2*2+1] != 5.5 || fs[11] != 11.5 {
		t.Fatalf("float32 [copies, agents, 2]: %v", fs)
	}
	is, _ := b.Int32s("i")
	if want := []int32{0, 0, -2, 0, 258, 0}; len(is) != 6 || is[2] != -2 || is[4] != 258 || is[0] != 0 {
		t.Fatalf("sparse int32: %v, want %v", is, want)
	}
	if raw, _ := b.Bytes("i"); !bytes.Equal(raw, dense) {
		t.Fatalf("densified bytes %v", raw)
	}
	if len(b.Rewards) != 6 || b.Rewards[5] != 0 || b.Terminated[0] || !b.Terminated[1] || len(b.ResetMask) != 2 {
		t.Fatalf("rewards %v terminated %v", b.Rewards, b.Terminated)
	}
	if any, _ := b.Float64sAny("i"); any[2] != -2 {
		t.Fatalf("Float64sAny: %v", any)
	}
	if &b.Observations[0].Raw[0] != &f[0] {
		t.Fatal("the allocating decode copied a raw tensor (it is a view of the message)")
	}

	// Malformed sparse data and wrong lengths are INTERNAL errors, not panics.
	for i, r := range malformed(r) {
		if _, err := spec.decode(r, "Step"); Code(err) != codes.Internal {
			t.Fatalf("malformed response %d: %v", i, err)
		}
	}
}

// malformed are answers that do not fit syntheticResponse's spec.
func malformed(r *pb.StepResponse) []*pb.StepResponse {
	f := r.Observations[0].Data
	return []*pb.StepResponse{
		{Observations: []*pb.Tensor{r.Observations[0], {Name: "i", Data: []byte{1, 2}, SparseOffsets: binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 5), 5), Encoding: pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES}}},
		{Observations: []*pb.Tensor{r.Observations[0], {Name: "i", Data: []byte{1}, SparseOffsets: binary.LittleEndian.AppendUint32(nil, 24), Encoding: pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES}}},
		{Observations: []*pb.Tensor{r.Observations[0], {Name: "i", Data: []byte{1}, SparseOffsets: []byte{0, 0}, Encoding: pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES}}},
		{Observations: []*pb.Tensor{r.Observations[0], {Name: "i", Data: f[:24], Encoding: pb.TensorEncoding(7)}}},
		{Observations: []*pb.Tensor{{Name: "f", Data: f[:8]}}},
		{Observations: []*pb.Tensor{{Name: "g", Data: f}}},
		{Rewards: []byte{1, 2, 3}},
		{Terminated: []byte{1}},
		{ActionSuccess: []byte{1, 0}},
		{Match: &pb.MatchStep{Seats: []string{"a"}}},
	}
}

// syntheticResponse is a spec of 2 copies of 3 agents with a per-agent float32 tensor and a
// per-copy int32 one, and an answer in which the second is sparse and the rewards are empty (a
// reset's).
func syntheticResponse(t *testing.T) (*Spec, *pb.StepResponse) {
	t.Helper()
	spec, err := newSpec(&pb.EnvSpec{
		WorldId: "synthetic", NumCopies: 2, NumAgents: 3,
		Actions: &pb.ActionSpec{Dimensions: []*pb.ActionDimension{{Name: "x", NumValues: 4}}},
		Observations: []*pb.TensorSpec{
			{Name: "f", Dtype: pb.DType_DTYPE_FLOAT32, Shape: []int64{2}, Scope: pb.Scope_SCOPE_AGENT},
			{Name: "i", Dtype: pb.DType_DTYPE_INT32, Shape: []int64{3}, Scope: pb.Scope_SCOPE_COPY},
		},
	}, "CreateSession")
	if err != nil {
		t.Fatal(err)
	}
	f := make([]byte, 2*3*2*4)
	for k := 0; k < 12; k++ {
		binary.LittleEndian.PutUint32(f[4*k:], math.Float32bits(float32(k)+0.5))
	}
	// int32 [2, 3] = [[0, 0, -2], [0, 258, 0]]; raw bytes nonzero at 8..11 and 16..17.
	dense := make([]byte, 24)
	binary.LittleEndian.PutUint32(dense[8:], uint32(0xFFFFFFFE))
	binary.LittleEndian.PutUint32(dense[16:], 258)
	var offs, vals []byte
	for k, v := range dense {
		if v != 0 {
			offs = binary.LittleEndian.AppendUint32(offs, uint32(k))
			vals = append(vals, v)
		}
	}
	r := &pb.StepResponse{
		Observations: []*pb.Tensor{
			{Name: "f", Dtype: pb.DType_DTYPE_FLOAT32, Shape: []int64{2, 3, 2}, Data: f},
			{Name: "i", Dtype: pb.DType_DTYPE_INT32, Shape: []int64{2, 3}, Data: vals, SparseOffsets: offs,
				Encoding: pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES},
		},
		Terminated: []byte{0, 1},
		// every byte of flags nonzero somewhere, so that a decode that leaves them is seen
		ActionSuccess: []byte{1, 0, 1, 1, 0, 1},
		ResetMask:     []byte{1, 0},
		SessionStep:   3,
	}
	return spec, r
}

// A match's step info and seat statistics decode; outcomes not aligned with seats are INTERNAL.
func TestDecodeMatchStep(t *testing.T) {
	spec, err := newSpec(&pb.EnvSpec{WorldId: "synthetic", NumCopies: 1, NumAgents: 1,
		Actions: &pb.ActionSpec{Dimensions: []*pb.ActionDimension{{Name: "x", NumValues: 2}}}}, "JoinSession")
	if err != nil {
		t.Fatal(err)
	}
	b, err := spec.decode(&pb.StepResponse{SessionStep: 4, Match: &pb.MatchStep{Seats: []string{"a", "b"},
		Outcomes: []pb.SeatOutcome{pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED, pb.SeatOutcome_SEAT_OUTCOME_TIMED_OUT}, WaitMicros: 1500},
		Episodes: []*pb.EpisodeStats{{Copy: 0, Length: 3, Seats: []*pb.SeatEpisodeStats{{Seat: "a", Submitted: 3}, {Seat: "b", Submitted: 1, TimedOut: 1, Absent: 1, ActionsFailed: 2}}}},
	}, "StepSeat")
	if err != nil {
		t.Fatal(err)
	}
	if b.Match.Wait != 1500*time.Microsecond || b.Match.Outcome("b") != pb.SeatOutcome_SEAT_OUTCOME_TIMED_OUT ||
		b.Match.Outcome("a") != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED || b.Match.Outcome("c") != pb.SeatOutcome_SEAT_OUTCOME_UNSPECIFIED {
		t.Fatalf("match step: %+v", b.Match)
	}
	if want := (SeatEpisodeStats{Seat: "b", Submitted: 1, TimedOut: 1, Absent: 1, ActionsFailed: 2}); len(b.Episodes[0].Seats) != 2 || b.Episodes[0].Seats[1] != want {
		t.Fatalf("seat statistics: %+v", b.Episodes[0].Seats)
	}
	if b, _ := spec.decode(&pb.StepResponse{}, "Step"); b.Match != nil {
		t.Fatalf("a plain step has match info %+v", b.Match)
	}
	_, err = spec.decode(&pb.StepResponse{Match: &pb.MatchStep{Seats: []string{"a", "b"}, Outcomes: []pb.SeatOutcome{1}}}, "StepSeat")
	if Code(err) != codes.Internal {
		t.Fatalf("misaligned outcomes: %v", err)
	}
}

// decodeInto writes into the batch's own slices: the values are the allocating decode's, bit for
// bit, whatever the batch held before; decoding allocates nothing once the batch is warm; and a
// batch from the allocating decode (whose raw tensors are the message's bytes) is never written
// through into its old message.
func TestDecodeIntoReusesTheBatch(t *testing.T) {
	spec, r := syntheticResponse(t)
	want, err := spec.decode(r, "Step")
	if err != nil {
		t.Fatal(err)
	}
	// A batch from the allocating decode of another response: its raw tensor is that message's.
	other := proto.Clone(r).(*pb.StepResponse)
	b, err := spec.decode(other, "Step")
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(other.Observations[0].Data)
	for round := 0; round < 3; round++ {
		if err := spec.decodeInto(r, "Step", b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(other.Observations[0].Data, before) {
			t.Fatal("decodeInto wrote into the message of the batch it was given")
		}
		sameDecoded(t, b, want)
		for i := range b.Observations { // garbage the next decode must overwrite
			for k := range b.Observations[i].Raw {
				b.Observations[i].Raw[k] = 0xA5
			}
		}
		for i := range b.Rewards {
			b.Rewards[i] = -1
		}
	}
	raw0 := &b.Observations[0].Raw[0]
	// A step's work on the client's side, as StepInto does it: pack the actions into the
	// environment's one buffer, decode the answer into the caller's batch.
	actions := []int32{3, 0, 1, 2, 1, 0}
	packed, err := packActions(spec, actions, "Step", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	packed0 := &packed[0]
	allocs := testing.AllocsPerRun(100, func() {
		if packed, err = packActions(spec, actions, "Step", "", packed); err != nil {
			t.Fatal(err)
		}
		if err := spec.decodeInto(r, "Step", b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("packing the actions and decodeInto allocated %v times per step", allocs)
	}
	if &b.Observations[0].Raw[0] != raw0 {
		t.Fatal("decodeInto replaced a buffer that was big enough")
	}
	if &packed[0] != packed0 || !bytes.Equal(packed, referencePack(actions)) {
		t.Fatalf("packActions replaced its buffer or packed %v, want %v", packed, referencePack(actions))
	}
	sameDecoded(t, b, want)

	// Ended episodes reuse their statistics' slices once the batch has held as many.
	r.Episodes = []*pb.EpisodeStats{{Copy: 1, Length: 9, Agents: []*pb.AgentEpisodeStats{{EpisodeReturn: 1.5}, {EpisodeReturn: 2}, {EpisodeReturn: -1}}}}
	if err := spec.decodeInto(r, "Step", b); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = spec.decodeInto(r, "Step", b) }); allocs != 0 {
		t.Fatalf("decodeInto with an ended episode allocated %v times per decode", allocs)
	}
	if e := b.Episodes; len(e) != 1 || e[0].Copy != 1 || e[0].Length != 9 || len(e[0].Returns) != 3 || e[0].Returns[1] != 2 {
		t.Fatalf("episodes: %+v", e)
	}
	r.Episodes = nil
	if err := spec.decodeInto(r, "Step", b); err != nil || len(b.Episodes) != 0 {
		t.Fatalf("episodes after a step without: %+v (%v)", b.Episodes, err)
	}

	// Malformed answers are the same INTERNAL errors as the allocating decode's.
	for i, bad := range malformed(r) {
		if err := spec.decodeInto(bad, "Step", &Batch{}); Code(err) != codes.Internal {
			t.Fatalf("malformed response %d: %v", i, err)
		}
	}
}

// referencePack is the readable packing the client's must equal: each action as four bytes,
// least significant first.
func referencePack(actions []int32) []byte {
	var out []byte
	for _, a := range actions {
		u := uint32(a)
		out = append(out, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return out
}

// packActions packs into the buffer it is given when it is big enough (its tail beyond the
// actions unused), into a new one when not, and checks before it writes anything it returns.
func TestPackActionsReusesItsBuffer(t *testing.T) {
	spec, _ := syntheticResponse(t) // 2 copies x 3 agents, one dimension of 4 values
	actions := []int32{3, 0, 1, 2, 1, 0}
	small := make([]byte, 5)
	got, err := packActions(spec, actions, "Step", "", small)
	if err != nil || !bytes.Equal(got, referencePack(actions)) || &got[0] == &small[0] {
		t.Fatalf("into a too small buffer: %v, %v", got, err)
	}
	big := bytes.Repeat([]byte{0xEE}, 40)
	got, err = packActions(spec, actions, "Step", "", big)
	if err != nil || !bytes.Equal(got, referencePack(actions)) || &got[0] != &big[0] || big[24] != 0xEE {
		t.Fatalf("into a big enough buffer: %v, %v", got, err)
	}
	for _, bad := range [][]int32{{3, 0, 1, 2, 1}, {3, 0, 1, 2, 4, 0}, {-1, 0, 0, 0, 0, 0}} {
		if _, err := packActions(spec, bad, "Step", "", big); Code(err) != codes.InvalidArgument {
			t.Fatalf("actions %v: %v", bad, err)
		}
	}
}

// sameDecoded fails unless a and b hold the same observations, rewards and flags.
func sameDecoded(t *testing.T, a, b *Batch) {
	t.Helper()
	if len(a.Observations) != len(b.Observations) {
		t.Fatalf("%d observations, want %d", len(a.Observations), len(b.Observations))
	}
	for i := range a.Observations {
		if a.Observations[i].Spec != b.Observations[i].Spec || !bytes.Equal(a.Observations[i].Raw, b.Observations[i].Raw) {
			t.Fatalf("observation %s: %v, want %v", b.Observations[i].Spec.Name, a.Observations[i].Raw, b.Observations[i].Raw)
		}
	}
	if !slices.Equal(a.Rewards, b.Rewards) || !slices.Equal(a.Terminated, b.Terminated) || !slices.Equal(a.Truncated, b.Truncated) ||
		!slices.Equal(a.ActionSuccess, b.ActionSuccess) || !slices.Equal(a.ResetMask, b.ResetMask) || a.SessionStep != b.SessionStep {
		t.Fatalf("rewards/flags: %+v, want %+v", a, b)
	}
}
