package kindred

import (
	"encoding/binary"
	"math"
	"time"

	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// Tensor is one decoded observation: its raw little-endian bytes (sparse encodings already
// expanded) with the spec that gives their meaning.
type Tensor struct {
	Spec *ObservationSpec
	// Raw holds every element, row-major little-endian, shape Spec.BatchShape.
	Raw []byte
}

// Batch is the answer of Reset or Step: one batch over every copy of the session.
type Batch struct {
	spec *Spec
	// Observations in spec order (see Spec.Observations).
	Observations []Tensor
	// Rewards is float32 [copies, agents], row-major (zeros after a Reset).
	Rewards []float32
	// Terminated and Truncated are [copies]: where the episode ended in this step.
	Terminated, Truncated []bool
	// ActionSuccess is [copies, agents]: where the agent's action could be carried out.
	ActionSuccess []bool
	// ResetMask is [copies]: where the observation is the first of a new episode.
	ResetMask []bool
	// Episodes holds the statistics of every episode that ended in this step.
	Episodes []EpisodeStats
	// FinalObservations (AUTORESET_SAME_STEP only) holds the final observations of the episodes
	// that ended in this step; nil otherwise.
	FinalObservations []Tensor
	// SessionStep is the number of Step calls the session has answered so far (for a match, the
	// number of world steps).
	SessionStep uint64
	// Match is how each seat of a match was driven in this step; nil for plain sessions and for
	// the observation of JoinSession.
	Match *MatchStep
	// Response is the message as received.
	Response *pb.StepResponse
	// owned: every slice above is the batch's own (made by decodeInto), none the message's, so
	// that the next decodeInto may write into them.
	owned bool
}

// EpisodeStats are the statistics of one episode that ended.
type EpisodeStats struct {
	Copy       int
	Episode    uint64
	Length     uint64
	Terminated bool
	Truncated  bool
	// Returns holds each agent's sum of rewards over the episode.
	Returns []float64
	// AgentStats holds each agent's named statistics.
	AgentStats []map[string]float64
	// Stats are the copy's named statistics.
	Stats map[string]float64
	// Seats (a match only) holds each seat's part of the episode, in the match's seat order. In a
	// seat's batch, Returns and AgentStats hold only the seat's agents.
	Seats []SeatEpisodeStats
}

// SeatEpisodeStats is a seat's part of an episode of a match: in how many of its steps the seat
// submitted, timed out or was absent, and how many of its agents' actions failed.
type SeatEpisodeStats struct {
	Seat                                       string
	Submitted, TimedOut, Absent, ActionsFailed uint64
}

// MatchStep is a match's step as every seat's batch reports it.
type MatchStep struct {
	// Seats are the match's seats, index-aligned with Outcomes.
	Seats    []string
	Outcomes []pb.SeatOutcome
	// Wait is the time from the step's first submission to the world stepping: how long the
	// step waited for its slowest seat.
	Wait time.Duration
}

// Outcome is how the named seat was driven in this step (SEAT_OUTCOME_UNSPECIFIED for a name
// that is not a seat of the match).
func (m *MatchStep) Outcome(seat string) pb.SeatOutcome {
	for i, s := range m.Seats {
		if s == seat && i < len(m.Outcomes) {
			return m.Outcomes[i]
		}
	}
	return pb.SeatOutcome_SEAT_OUTCOME_UNSPECIFIED
}

// Reward of agent a of copy c.
func (b *Batch) Reward(c, a int) float32 { return b.Rewards[c*b.spec.NumAgents+a] }

// Observation returns the named observation tensor.
func (b *Batch) Observation(name string) (*Tensor, error) {
	for i := range b.Observations {
		if b.Observations[i].Spec.Name == name {
			return &b.Observations[i], nil
		}
	}
	names := make([]string, len(b.Observations))
	for i := range b.Observations {
		names[i] = b.Observations[i].Spec.Name
	}
	return nil, newError(codes.InvalidArgument, "", "", "no observation '%s' in this session (it has %v)", name, names)
}

// Bytes returns the raw little-endian bytes of the named observation (any dtype).
func (b *Batch) Bytes(name string) ([]byte, error) {
	t, err := b.Observation(name)
	if err != nil {
		return nil, err
	}
	return t.Raw, nil
}

// Float32s returns the named DTYPE_FLOAT32 observation, row-major, shape Spec.BatchShape.
func (b *Batch) Float32s(name string) ([]float32, error) { return obs(b, name, (*Tensor).Float32s) }

// Float64s returns the named DTYPE_FLOAT64 observation.
func (b *Batch) Float64s(name string) ([]float64, error) { return obs(b, name, (*Tensor).Float64s) }

// Int32s returns the named DTYPE_INT32 observation.
func (b *Batch) Int32s(name string) ([]int32, error) { return obs(b, name, (*Tensor).Int32s) }

// Int64s returns the named DTYPE_INT64 observation.
func (b *Batch) Int64s(name string) ([]int64, error) { return obs(b, name, (*Tensor).Int64s) }

// Int8s returns the named DTYPE_INT8 observation.
func (b *Batch) Int8s(name string) ([]int8, error) { return obs(b, name, (*Tensor).Int8s) }

// Uint8s returns the named DTYPE_UINT8 observation.
func (b *Batch) Uint8s(name string) ([]uint8, error) { return obs(b, name, (*Tensor).Uint8s) }

// Float64sAny returns the named observation of any dtype converted to float64.
func (b *Batch) Float64sAny(name string) ([]float64, error) {
	return obs(b, name, (*Tensor).AsFloat64s)
}

func obs[T any](b *Batch, name string, f func(*Tensor) ([]T, error)) ([]T, error) {
	t, err := b.Observation(name)
	if err != nil {
		return nil, err
	}
	return f(t)
}

func (t *Tensor) want(d pb.DType) error {
	if t.Spec.DType != d {
		return newError(codes.InvalidArgument, "", "", "observation '%s' is %v, not %v", t.Spec.Name, t.Spec.DType, d)
	}
	return nil
}

// Float32s decodes a DTYPE_FLOAT32 tensor.
func (t *Tensor) Float32s() ([]float32, error) {
	if err := t.want(pb.DType_DTYPE_FLOAT32); err != nil {
		return nil, err
	}
	return decodeFloat32s(t.Raw), nil
}

// Float64s decodes a DTYPE_FLOAT64 tensor.
func (t *Tensor) Float64s() ([]float64, error) {
	if err := t.want(pb.DType_DTYPE_FLOAT64); err != nil {
		return nil, err
	}
	out := make([]float64, len(t.Raw)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Raw[8*i:]))
	}
	return out, nil
}

// Int32s decodes a DTYPE_INT32 tensor.
func (t *Tensor) Int32s() ([]int32, error) {
	if err := t.want(pb.DType_DTYPE_INT32); err != nil {
		return nil, err
	}
	out := make([]int32, len(t.Raw)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(t.Raw[4*i:]))
	}
	return out, nil
}

// Int64s decodes a DTYPE_INT64 tensor.
func (t *Tensor) Int64s() ([]int64, error) {
	if err := t.want(pb.DType_DTYPE_INT64); err != nil {
		return nil, err
	}
	out := make([]int64, len(t.Raw)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.Raw[8*i:]))
	}
	return out, nil
}

// Int8s decodes a DTYPE_INT8 tensor.
func (t *Tensor) Int8s() ([]int8, error) {
	if err := t.want(pb.DType_DTYPE_INT8); err != nil {
		return nil, err
	}
	out := make([]int8, len(t.Raw))
	for i, v := range t.Raw {
		out[i] = int8(v)
	}
	return out, nil
}

// Uint8s returns a DTYPE_UINT8 tensor (the raw bytes themselves).
func (t *Tensor) Uint8s() ([]uint8, error) {
	if err := t.want(pb.DType_DTYPE_UINT8); err != nil {
		return nil, err
	}
	return t.Raw, nil
}

// AsFloat64s converts a tensor of any dtype to float64.
func (t *Tensor) AsFloat64s() ([]float64, error) {
	n := t.Spec.Size
	out := make([]float64, n)
	r := t.Raw
	for i := 0; i < n; i++ {
		switch t.Spec.DType {
		case pb.DType_DTYPE_UINT8:
			out[i] = float64(r[i])
		case pb.DType_DTYPE_INT8:
			out[i] = float64(int8(r[i]))
		case pb.DType_DTYPE_INT32:
			out[i] = float64(int32(binary.LittleEndian.Uint32(r[4*i:])))
		case pb.DType_DTYPE_FLOAT32:
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(r[4*i:])))
		case pb.DType_DTYPE_FLOAT64:
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(r[8*i:]))
		case pb.DType_DTYPE_INT64:
			out[i] = float64(int64(binary.LittleEndian.Uint64(r[8*i:])))
		}
	}
	return out, nil
}

func decodeFloat32s(raw []byte) []float32 {
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// --- decoding a StepResponse -----------------------------------------------------------------

func (s *Spec) decode(r *pb.StepResponse, method string) (*Batch, error) {
	c, a := s.NumCopies, s.NumAgents
	b := &Batch{spec: s, Response: r, SessionStep: r.SessionStep}
	var err error
	if b.Observations, err = s.tensors(r.Observations, method); err != nil {
		return nil, err
	}
	if len(r.FinalObservations) > 0 {
		if b.FinalObservations, err = s.tensors(r.FinalObservations, method); err != nil {
			return nil, err
		}
	}
	rewards, err := fixed(r.Rewards, c*a*4, "rewards", method)
	if err != nil {
		return nil, err
	}
	b.Rewards = decodeFloat32s(rewards)
	if b.Terminated, err = flags(r.Terminated, c, "terminated", method); err != nil {
		return nil, err
	}
	if b.Truncated, err = flags(r.Truncated, c, "truncated", method); err != nil {
		return nil, err
	}
	if b.ActionSuccess, err = flags(r.ActionSuccess, c*a, "action_success", method); err != nil {
		return nil, err
	}
	if b.ResetMask, err = flags(r.ResetMask, c, "reset_mask", method); err != nil {
		return nil, err
	}
	for _, e := range r.Episodes {
		b.Episodes = append(b.Episodes, episodeStats(EpisodeStats{}, e))
	}
	if m := r.Match; m != nil {
		if len(m.Outcomes) != len(m.Seats) {
			return nil, newError(codes.Internal, method, "", "match step: %d outcomes for %d seats", len(m.Outcomes), len(m.Seats))
		}
		b.Match = &MatchStep{Seats: m.Seats, Outcomes: m.Outcomes, Wait: time.Duration(m.WaitMicros) * time.Microsecond}
	}
	return b, nil
}

// episodeStats is e as EpisodeStats, appending to st's slices (emptied first; nil: new ones).
func episodeStats(st EpisodeStats, e *pb.EpisodeStats) EpisodeStats {
	st = EpisodeStats{Copy: int(e.Copy), Episode: e.Episode, Length: e.Length, Terminated: e.Terminated,
		Truncated: e.Truncated, Stats: e.Stats,
		Returns: st.Returns[:0], AgentStats: st.AgentStats[:0], Seats: st.Seats[:0]}
	for _, ag := range e.Agents {
		st.Returns = append(st.Returns, ag.EpisodeReturn)
		st.AgentStats = append(st.AgentStats, ag.Stats)
	}
	for _, se := range e.Seats {
		st.Seats = append(st.Seats, SeatEpisodeStats{Seat: se.Seat, Submitted: se.Submitted,
			TimedOut: se.TimedOut, Absent: se.Absent, ActionsFailed: se.ActionsFailed})
	}
	return st
}

// decodeInto decodes r into b, writing into b's own slices (made the first time, and again
// when too small; a batch from the allocating decode, whose raw tensors are the message's
// bytes, starts afresh): a raw tensor is copied, a sparse one cleared and its nonzero bytes
// scattered. Once b has held one answer of the session this allocates nothing, but for the
// statistics of more ended episodes than b has held at once. On error b's content is
// unspecified.
func (s *Spec) decodeInto(r *pb.StepResponse, method string, b *Batch) error {
	if !b.owned {
		*b = Batch{owned: true}
	}
	c, a := s.NumCopies, s.NumAgents
	b.spec, b.Response, b.SessionStep = s, r, r.SessionStep
	var err error
	if b.Observations, err = s.tensorsInto(b.Observations, r.Observations, method); err != nil {
		return err
	}
	if len(r.FinalObservations) > 0 {
		if b.FinalObservations, err = s.tensorsInto(b.FinalObservations, r.FinalObservations, method); err != nil {
			return err
		}
	} else {
		b.FinalObservations = b.FinalObservations[:0] // the tensors stay behind for reuse
	}
	b.Rewards = resize(b.Rewards, c*a)
	switch len(r.Rewards) {
	case 4 * c * a:
		for i := range b.Rewards {
			b.Rewards[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.Rewards[4*i:]))
		}
	case 0: // a reset's
		clear(b.Rewards)
	default:
		return newError(codes.Internal, method, "", "rewards: got %d bytes, expected %d", len(r.Rewards), 4*c*a)
	}
	if b.Terminated, err = flagsInto(b.Terminated, r.Terminated, c, "terminated", method); err != nil {
		return err
	}
	if b.Truncated, err = flagsInto(b.Truncated, r.Truncated, c, "truncated", method); err != nil {
		return err
	}
	if b.ActionSuccess, err = flagsInto(b.ActionSuccess, r.ActionSuccess, c*a, "action_success", method); err != nil {
		return err
	}
	if b.ResetMask, err = flagsInto(b.ResetMask, r.ResetMask, c, "reset_mask", method); err != nil {
		return err
	}
	episodes := b.Episodes[:0]
	for _, e := range r.Episodes {
		var reuse EpisodeStats
		if len(episodes) < cap(episodes) {
			reuse = episodes[:len(episodes)+1][len(episodes)]
		}
		episodes = append(episodes, episodeStats(reuse, e))
	}
	b.Episodes = episodes
	if m := r.Match; m != nil {
		if len(m.Outcomes) != len(m.Seats) {
			return newError(codes.Internal, method, "", "match step: %d outcomes for %d seats", len(m.Outcomes), len(m.Seats))
		}
		if b.Match == nil {
			b.Match = &MatchStep{}
		}
		*b.Match = MatchStep{Seats: m.Seats, Outcomes: m.Outcomes, Wait: time.Duration(m.WaitMicros) * time.Microsecond}
	} else {
		b.Match = nil
	}
	return nil
}

// resize is s with length n: s itself when its capacity allows, else a new slice.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// flagsInto is flags into dst.
func flagsInto(dst []bool, data []byte, n int, what, method string) ([]bool, error) {
	dst = resize(dst, n)
	switch len(data) {
	case n:
		for i, v := range data {
			dst[i] = v != 0
		}
	case 0:
		clear(dst)
	default:
		return nil, newError(codes.Internal, method, "", "%s: got %d bytes, expected %d", what, len(data), n)
	}
	return dst, nil
}

// tensorsInto is tensors into dst's tensors and their Raw slices.
func (s *Spec) tensorsInto(dst []Tensor, ts []*pb.Tensor, method string) ([]Tensor, error) {
	if cap(dst) < len(ts) {
		grown := make([]Tensor, len(ts))
		copy(grown, dst[:cap(dst)]) // keep the buffers made so far
		dst = grown
	}
	dst = dst[:len(ts)]
	for i, t := range ts {
		o, err := s.observationOf(i, t, method)
		if err != nil {
			return nil, err
		}
		d := &dst[i]
		d.Spec = o
		d.Raw = resize(d.Raw, o.Bytes)
		switch t.Encoding {
		case pb.TensorEncoding_TENSOR_ENCODING_RAW:
			if len(t.Data) != o.Bytes {
				return nil, rawSizeError(t, o, method)
			}
			copy(d.Raw, t.Data)
		case pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES:
			clear(d.Raw)
			if err := scatter(t, d.Raw, method); err != nil {
				return nil, err
			}
		default:
			return nil, encodingError(t, method)
		}
	}
	return dst, nil
}

// fixed checks a packed field's length; an empty field stands for zeros (a reset's rewards
// and flags).
func fixed(data []byte, n int, what, method string) ([]byte, error) {
	if len(data) == n {
		return data, nil
	}
	if len(data) == 0 {
		return make([]byte, n), nil
	}
	return nil, newError(codes.Internal, method, "", "%s: got %d bytes, expected %d", what, len(data), n)
}

func flags(data []byte, n int, what, method string) ([]bool, error) {
	raw, err := fixed(data, n, what, method)
	if err != nil {
		return nil, err
	}
	out := make([]bool, n)
	for i, v := range raw {
		out[i] = v != 0
	}
	return out, nil
}

func (s *Spec) tensors(ts []*pb.Tensor, method string) ([]Tensor, error) {
	out := make([]Tensor, 0, len(ts))
	for i, t := range ts {
		o, err := s.observationOf(i, t, method)
		if err != nil {
			return nil, err
		}
		var raw []byte
		switch t.Encoding {
		case pb.TensorEncoding_TENSOR_ENCODING_RAW:
			if len(t.Data) != o.Bytes {
				return nil, rawSizeError(t, o, method)
			}
			raw = t.Data
		case pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES:
			raw = make([]byte, o.Bytes)
			if err := scatter(t, raw, method); err != nil {
				return nil, err
			}
		default:
			return nil, encodingError(t, method)
		}
		out = append(out, Tensor{Spec: o, Raw: raw})
	}
	return out, nil
}

// observationOf is the spec of the i-th tensor of a response (the spec's i-th, unless the
// server sent them in another order).
func (s *Spec) observationOf(i int, t *pb.Tensor, method string) (*ObservationSpec, error) {
	if i < len(s.Observations) && s.Observations[i].Name == t.Name {
		return &s.Observations[i], nil
	}
	if o, ok := s.Observation(t.Name); ok {
		return o, nil
	}
	return nil, newError(codes.Internal, method, "", "the server sent observation '%s', not in the session's spec", t.Name)
}

func rawSizeError(t *pb.Tensor, o *ObservationSpec, method string) error {
	return newError(codes.Internal, method, "", "observation '%s': got %d bytes, expected %d (%v %v)",
		t.Name, len(t.Data), o.Bytes, o.DType, o.BatchShape)
}

func encodingError(t *pb.Tensor, method string) error {
	return newError(codes.Internal, method, "", "observation '%s' has encoding %v, which this client does not know; upgrade the client", t.Name, t.Encoding)
}

// scatter writes the nonzero bytes of a TENSOR_ENCODING_SPARSE_BYTES tensor into raw (the
// others are left as they are: zero them first): raw[offsets[k]] = data[k].
func scatter(t *pb.Tensor, raw []byte, method string) error {
	if len(t.SparseOffsets) != 4*len(t.Data) {
		return newError(codes.Internal, method, "", "observation '%s': malformed sparse encoding (%d offset bytes for %d values)",
			t.Name, len(t.SparseOffsets), len(t.Data))
	}
	n := int64(len(raw))
	prev := int64(-1)
	for k, v := range t.Data {
		off := int64(binary.LittleEndian.Uint32(t.SparseOffsets[4*k:]))
		if off <= prev || off >= n {
			return newError(codes.Internal, method, "", "observation '%s': malformed sparse encoding (offset %d after %d, %d bytes)",
				t.Name, off, prev, n)
		}
		raw[off] = v
		prev = off
	}
	return nil
}
