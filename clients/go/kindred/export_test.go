package kindred

import pb "kindred.dev/clients/go/kindredv1"

// Stub gives the tests the client's own gRPC stub, for calls the API never makes (a plain Reset
// on a match, a seat's duplicate submission) over the same connection and principal.
func (c *Client) Stub() pb.EnvServiceClient { return c.stub }

// Decode is the allocating decode of Step (Batch.Response: a captured answer), for benchmarks.
func (s *Spec) Decode(r *pb.StepResponse) (*Batch, error) { return s.decode(r, "Step") }

// DecodeInto is the decode of StepInto.
func (s *Spec) DecodeInto(r *pb.StepResponse, b *Batch) error { return s.decodeInto(r, "Step", b) }

// HeldActions are the action bytes the VectorEnv's request still refers to between steps (none:
// it lets the caller's go after each step).
func (e *VectorEnv) HeldActions() []byte { return e.req.Actions }

// HeldActions: as VectorEnv's.
func (e *SeatEnv) HeldActions() []byte { return e.req.Actions }

// ShardView is the batch shard i's VectorEnv decodes into in StepInto and ResetInto: views of
// the shard's rows of the caller's batch.
func (s *ShardedVectorEnv) ShardView(i int) *Batch { return &s.into.shards[i].view }

// HeldActions reports whether a shard or its VectorEnv still refers to the caller's actions
// after a StepInto.
func (s *ShardedVectorEnv) HeldActions() bool {
	for _, w := range s.into.shards {
		if w.actions != nil || w.env.HeldActions() != nil {
			return true
		}
	}
	return false
}
