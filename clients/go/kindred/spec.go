package kindred

import (
	"fmt"

	"google.golang.org/grpc/codes"

	pb "kindred.dev/clients/go/kindredv1"
)

// ObservationSpec describes one observation tensor of a session.
type ObservationSpec struct {
	Name  string
	DType pb.DType
	// Shape of one block, without batch dimensions.
	Shape []int
	Scope pb.Scope
	// BatchShape is the shape as packed: [copies, agents, *Shape] for pb.Scope_SCOPE_AGENT,
	// [copies, *Shape] for pb.Scope_SCOPE_COPY.
	BatchShape []int
	// Size is the number of elements of the packed tensor; Bytes its raw byte length.
	Size, Bytes int
	Proto       *pb.TensorSpec
}

// Spec is a session's EnvSpec with its derived sizes.
type Spec struct {
	WorldID    string
	NumCopies  int
	NumAgents  int
	AgentNames []string
	// ActionNVec holds num_values of each action dimension; actions are int32
	// [copies, agents, len(ActionNVec)], values of dimension d in [0, ActionNVec[d]).
	ActionNVec  []int32
	ActionNames []string
	// ValidCombinations lists the combinations of action values (one per dimension) that the
	// world defines, in lexicographic order; empty: every combination is valid.
	ValidCombinations [][]int32
	// ActionMaskObservation names the per-agent observation that holds the dynamic action mask
	// ("" when the world has none): DTYPE_UINT8, one element per combination of values, flat
	// row-major over the dimensions with the last fastest (FlatActionIndex), 1 where that
	// combination is open to the agent next step (the tensor's description says what is checked).
	ActionMaskObservation string
	// Observations in the order responses carry them.
	Observations []ObservationSpec
	MaxSteps     uint64
	Autoreset    pb.AutoresetMode
	// Config is the fully resolved configuration.
	Config     map[string]any
	Properties map[string]string
	Proto      *pb.EnvSpec
}

// FlatActionIndex is the position of the combination values (one per action dimension) in the
// action mask: row-major, the last dimension fastest (v0*n1 + v1 for two dimensions).
func (s *Spec) FlatActionIndex(values ...int32) int {
	i := 0
	for d, v := range values {
		i = i*int(s.ActionNVec[d]) + int(v)
	}
	return i
}

// ActionLen is the number of int32 values of one Step's actions: copies x agents x dimensions.
func (s *Spec) ActionLen() int { return s.NumCopies * s.NumAgents * len(s.ActionNVec) }

// Observation returns the spec of the named observation.
func (s *Spec) Observation(name string) (*ObservationSpec, bool) {
	for i := range s.Observations {
		if s.Observations[i].Name == name {
			return &s.Observations[i], true
		}
	}
	return nil, false
}

// DTypeSize is the byte size of one element of d (0 for an unknown type).
func DTypeSize(d pb.DType) int {
	switch d {
	case pb.DType_DTYPE_UINT8, pb.DType_DTYPE_INT8:
		return 1
	case pb.DType_DTYPE_INT32, pb.DType_DTYPE_FLOAT32:
		return 4
	case pb.DType_DTYPE_FLOAT64, pb.DType_DTYPE_INT64:
		return 8
	}
	return 0
}

func newSpec(p *pb.EnvSpec, method string) (*Spec, error) {
	if p == nil {
		return nil, newError(codes.Internal, method, "", "the server sent no spec")
	}
	s := &Spec{
		WorldID:    p.WorldId,
		NumCopies:  int(p.NumCopies),
		NumAgents:  int(p.NumAgents),
		AgentNames: p.AgentNames,
		MaxSteps:   p.GetEpisode().GetMaxSteps(),
		Autoreset:  p.GetEpisode().GetAutoreset(),
		Properties: p.Properties,
		Proto:      p,
	}
	if p.Config != nil {
		s.Config = p.Config.AsMap()
	}
	for _, d := range p.GetActions().GetDimensions() {
		s.ActionNVec = append(s.ActionNVec, d.NumValues)
		s.ActionNames = append(s.ActionNames, d.Name)
	}
	for _, c := range p.GetActions().GetValidCombinations() {
		s.ValidCombinations = append(s.ValidCombinations, c.GetValues())
	}
	s.ActionMaskObservation = p.GetActions().GetActionMaskObservation()
	for _, t := range p.Observations {
		o := ObservationSpec{Name: t.Name, DType: t.Dtype, Scope: t.Scope, Proto: t}
		for _, d := range t.Shape {
			o.Shape = append(o.Shape, int(d))
		}
		switch t.Scope {
		case pb.Scope_SCOPE_AGENT:
			o.BatchShape = append([]int{s.NumCopies, s.NumAgents}, o.Shape...)
		case pb.Scope_SCOPE_COPY:
			o.BatchShape = append([]int{s.NumCopies}, o.Shape...)
		default:
			return nil, newError(codes.Internal, method, "", "observation '%s' has scope %v, which this client does not know; upgrade the client", t.Name, t.Scope)
		}
		if DTypeSize(t.Dtype) == 0 {
			return nil, newError(codes.Internal, method, "", "observation '%s' has dtype %v, which this client does not know; upgrade the client", t.Name, t.Dtype)
		}
		o.Size = 1
		for _, d := range o.BatchShape {
			o.Size *= d
		}
		o.Bytes = o.Size * DTypeSize(t.Dtype)
		s.Observations = append(s.Observations, o)
	}
	return s, nil
}

func (o *ObservationSpec) String() string {
	return fmt.Sprintf("%s %v %v (%v)", o.Name, o.DType, o.BatchShape, o.Scope)
}
