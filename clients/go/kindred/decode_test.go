package kindred

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// Decoding without a server: a per-agent float32 tensor, a per-copy int32 tensor sent sparse,
// and an empty reward field (a reset's).
func TestDecodeSyntheticResponse(t *testing.T) {
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
	}
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

	// Malformed sparse data and wrong lengths are INTERNAL errors, not panics.
	bad := []*pb.StepResponse{
		{Observations: []*pb.Tensor{r.Observations[0], {Name: "i", Data: []byte{1, 2}, SparseOffsets: binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 5), 5), Encoding: pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES}}},
		{Observations: []*pb.Tensor{r.Observations[0], {Name: "i", Data: []byte{1}, SparseOffsets: binary.LittleEndian.AppendUint32(nil, 24), Encoding: pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES}}},
		{Observations: []*pb.Tensor{{Name: "f", Data: f[:8]}}},
		{Observations: []*pb.Tensor{{Name: "g", Data: f}}},
		{Rewards: []byte{1, 2, 3}},
	}
	for i, r := range bad {
		if _, err := spec.decode(r, "Step"); Code(err) != codes.Internal {
			t.Fatalf("malformed response %d: %v", i, err)
		}
	}
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
