package kindred_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"kindred.dev/clients/go/internal/crosslang"
	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
)

// A small energy room with three agents and short episodes (autoreset inside every test).
func roomConfig() map[string]any {
	return map[string]any{"width": 12, "height": 10, "agents": 3, "altars": 1, "converters": 1,
		"green_generators": 3, "yellow_generators": 3, "walls": 4, "max_steps": 6}
}

func makeMatch(t *testing.T, c *kindred.Client, world string, config map[string]any, copies int, seed uint64, seats []kindred.Seat, o *kindred.MatchOptions) *kindred.Match {
	t.Helper()
	m, err := c.CreateMatch(ctx, world, config, copies, seed, seats, o)
	if err != nil {
		t.Fatalf("CreateMatch(%s): %v", world, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func join(t *testing.T, m *kindred.Match, c *kindred.Client, seat string, o *kindred.SeatOptions) *kindred.SeatEnv {
	t.Helper()
	g, found := m.Grant(seat)
	if !found {
		t.Fatalf("match has no seat %s: %v", seat, m.Grants())
	}
	e, err := c.JoinSeat(ctx, m.SessionID(), seat, g.JoinToken, o)
	if err != nil {
		t.Fatalf("JoinSeat(%s): %v", seat, err)
	}
	t.Cleanup(func() { e.Leave() })
	return e
}

// stepSeats submits every seat's actions concurrently (a match steps only once every held seat
// has submitted, so one goroutine cannot drive two seats) and returns their batches.
func stepSeats(seats []*kindred.SeatEnv, actions [][]int32) ([]*kindred.Batch, error) {
	return stepSeatsInto(seats, actions, make([]*kindred.Batch, len(seats)))
}

// stepSeatsInto is stepSeats with StepInto for the seats whose batch in into is not nil.
func stepSeatsInto(seats []*kindred.SeatEnv, actions [][]int32, into []*kindred.Batch) ([]*kindred.Batch, error) {
	out := make([]*kindred.Batch, len(seats))
	errs := make([]error, len(seats))
	var wg sync.WaitGroup
	for i, s := range seats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if into[i] != nil {
				out[i], errs[i] = s.StepInto(actions[i], into[i])
			} else {
				out[i], errs[i] = s.Step(actions[i])
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("seat %s: %w", seats[i].Seat(), err)
		}
	}
	return out, nil
}

// seatActions is the seat's part of whole-world actions [copies, agents, dims].
func seatActions(full []int32, copies, agents, dims int, seat []int) []int32 {
	out := make([]int32, 0, copies*len(seat)*dims)
	for c := 0; c < copies; c++ {
		for _, a := range seat {
			out = append(out, full[(c*agents+a)*dims:(c*agents+a+1)*dims]...)
		}
	}
	return out
}

// sliceTensor is the seat's part of a whole-world tensor: an agent-scope tensor's rows of the
// seat's agents, in seat order, per copy; a copy-scope tensor whole.
func sliceTensor(t *kindred.Tensor, agents int, seat []int) []byte {
	if t.Spec.Scope == pb.Scope_SCOPE_COPY {
		return t.Raw
	}
	copies := t.Spec.BatchShape[0]
	row := len(t.Raw) / (copies * agents)
	var out []byte
	for c := 0; c < copies; c++ {
		for _, a := range seat {
			out = append(out, t.Raw[(c*agents+a)*row:(c*agents+a+1)*row]...)
		}
	}
	return out
}

// seatView is what a seat should receive of a whole-world batch: its observations (those of its
// spec, sliced), rewards and action successes (its agents' columns).
type seatView struct {
	obs, final [][]byte
	rewards    []float32
	success    []bool
}

func sliceBatch(t *testing.T, full *kindred.Batch, world, seatSpec *kindred.Spec, seat []int) seatView {
	t.Helper()
	var v seatView
	for _, o := range seatSpec.Observations {
		ft, err := full.Observation(o.Name)
		if err != nil {
			t.Fatalf("the seat's observation %s is not the world's: %v", o.Name, err)
		}
		v.obs = append(v.obs, sliceTensor(ft, world.NumAgents, seat))
		if full.FinalObservations != nil {
			for i := range full.FinalObservations {
				if full.FinalObservations[i].Spec.Name == o.Name {
					v.final = append(v.final, sliceTensor(&full.FinalObservations[i], world.NumAgents, seat))
				}
			}
		}
	}
	for c := 0; c < world.NumCopies; c++ {
		for _, a := range seat {
			v.rewards = append(v.rewards, full.Reward(c, a))
			v.success = append(v.success, full.ActionSuccess[c*world.NumAgents+a])
		}
	}
	return v
}

// sameSeatBatch checks, bit for bit, a seat's batch against its slice of the single-controller
// batch of the same step.
func sameSeatBatch(t *testing.T, what string, step int, full *kindred.Batch, world *kindred.Spec, got *kindred.Batch, seatSpec *kindred.Spec, seat []int) {
	t.Helper()
	want := sliceBatch(t, full, world, seatSpec, seat)
	if len(got.Observations) != len(want.obs) {
		t.Fatalf("%s step %d: %d observations, want %d", what, step, len(got.Observations), len(want.obs))
	}
	for i, o := range got.Observations {
		if o.Spec.Name != seatSpec.Observations[i].Name || !bytes.Equal(o.Raw, want.obs[i]) {
			t.Fatalf("%s step %d: observation %s differs from the single controller's slice", what, step, o.Spec.Name)
		}
	}
	if len(got.FinalObservations) != len(want.final) {
		t.Fatalf("%s step %d: %d final observations, want %d", what, step, len(got.FinalObservations), len(want.final))
	}
	for i, o := range got.FinalObservations {
		if !bytes.Equal(o.Raw, want.final[i]) {
			t.Fatalf("%s step %d: final observation %s differs", what, step, o.Spec.Name)
		}
	}
	for i, r := range got.Rewards {
		if math.Float32bits(r) != math.Float32bits(want.rewards[i]) {
			t.Fatalf("%s step %d: rewards %v, want %v", what, step, got.Rewards, want.rewards)
		}
	}
	if len(got.Rewards) != len(want.rewards) || !slices.Equal(got.ActionSuccess, want.success) ||
		!slices.Equal(got.Terminated, full.Terminated) || !slices.Equal(got.Truncated, full.Truncated) ||
		!slices.Equal(got.ResetMask, full.ResetMask) {
		t.Fatalf("%s step %d: rewards/flags differ: success %v want %v, truncated %v want %v, reset %v want %v", what, step,
			got.ActionSuccess, want.success, got.Truncated, full.Truncated, got.ResetMask, full.ResetMask)
	}
	if got.SessionStep != full.SessionStep || len(got.Episodes) != len(full.Episodes) {
		t.Fatalf("%s step %d: session_step %d (want %d), %d episodes (want %d)", what, step,
			got.SessionStep, full.SessionStep, len(got.Episodes), len(full.Episodes))
	}
	for i, e := range got.Episodes {
		f := full.Episodes[i]
		if e.Copy != f.Copy || e.Episode != f.Episode || e.Length != f.Length || e.Truncated != f.Truncated || e.Terminated != f.Terminated {
			t.Fatalf("%s step %d: episode %+v, want %+v", what, step, e, f)
		}
		for j, a := range seat {
			if e.Returns[j] != f.Returns[a] {
				t.Fatalf("%s step %d: episode returns %v, want world agents %v of %v", what, step, e.Returns, seat, f.Returns)
			}
		}
	}
}

// Two seats played from two goroutines (one over StepSeatStream, one unary) reproduce, bit for
// bit, the per-seat slices of a single-controller session applying the same actions: in the
// energy world with seats whose agents are out of world order, and in the spin lattice with a
// withheld copy-scope observation and same-step autoreset (final observations sliced too).
func TestMatchSeatsEqualSingleControllerSlices(t *testing.T) {
	cases := []struct {
		world     string
		config    map[string]any
		seats     []kindred.Seat
		autoreset pb.AutoresetMode
	}{
		{"energy.room", roomConfig(), []kindred.Seat{{Name: "red", Agents: []int{2, 0}}, {Name: "blue", Agents: []int{1}}},
			pb.AutoresetMode_AUTORESET_NEXT_STEP},
		{"spin.lattice", map[string]any{"width": 6, "height": 5, "controlled": []int{0, 7, 12}, "max_steps": 5},
			[]kindred.Seat{{Name: "a", Agents: []int{1}, WithholdObservations: []string{"spins"}}, {Name: "b", Agents: []int{2, 0}}},
			pb.AutoresetMode_AUTORESET_SAME_STEP},
	}
	for _, tc := range cases {
		t.Run(tc.world, func(t *testing.T) {
			const copies, steps = 2, 20
			seed := uint64(17)
			c := dial(t)
			single := makeEnv(t, c, tc.world, tc.config, copies, seed, &kindred.EnvOptions{Autoreset: tc.autoreset})
			m := makeMatch(t, c, tc.world, tc.config, copies, seed, tc.seats, &kindred.MatchOptions{Autoreset: tc.autoreset})
			world := single.Spec()
			if m.Spec().NumAgents != world.NumAgents || len(m.Grants()) != 2 {
				t.Fatalf("match spec %d agents, grants %v", m.Spec().NumAgents, m.Grants())
			}
			seats := make([]*kindred.SeatEnv, len(tc.seats))
			for i, s := range tc.seats {
				g := m.Grants()[i]
				if g.Name != s.Name || !slices.Equal(g.Agents, s.Agents) || len(g.JoinToken) != 32 {
					t.Fatalf("grant %d: %+v, want seat %+v", i, g, s)
				}
				// Each seat through its own connection, as separate controllers would.
				seats[i] = join(t, m, dial(t), s.Name, &kindred.SeatOptions{Unary: i == 1})
				spec := seats[i].Spec()
				if spec.NumAgents != len(s.Agents) || !slices.Equal(seats[i].Agents(), s.Agents) || spec.NumCopies != copies {
					t.Fatalf("seat %s: spec of %d agents %v, want %v", s.Name, spec.NumAgents, seats[i].Agents(), s.Agents)
				}
				for j, a := range s.Agents {
					if spec.AgentNames[j] != world.AgentNames[a] {
						t.Fatalf("seat %s: agent names %v, world's %v", s.Name, spec.AgentNames, world.AgentNames)
					}
				}
				for _, w := range s.WithholdObservations {
					if _, found := spec.Observation(w); found {
						t.Fatalf("seat %s receives withheld observation %s", s.Name, w)
					}
				}
				if len(spec.Observations) != len(world.Observations)-len(s.WithholdObservations) {
					t.Fatalf("seat %s: observations %v", s.Name, spec.Observations)
				}
			}
			if seats[0].Streaming() == seats[1].Streaming() {
				t.Fatal("SeatOptions.Unary not followed")
			}
			full := ok(t)(single.Reset(&seed))
			for i, s := range seats {
				if s.Joined().Match != nil {
					t.Fatalf("seat %s: the join observation has match info", s.Seat())
				}
				sameSeatBatch(t, s.Seat(), 0, full, world, s.Joined(), s.Spec(), tc.seats[i].Agents)
			}
			rng := rand.New(rand.NewSource(5))
			episodes := 0
			// The first seat decodes into one batch of its own (StepInto), the other into new ones.
			into := []*kindred.Batch{{}, nil}
			for step := 1; step <= steps; step++ {
				actions := single.SampleActions(rng)
				full = ok(t)(single.Step(actions))
				per := make([][]int32, len(seats))
				for i := range seats {
					per[i] = seatActions(actions, copies, world.NumAgents, len(world.ActionNVec), tc.seats[i].Agents)
				}
				got, err := stepSeatsInto(seats, per, into)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if got[0] != into[0] {
					t.Fatal("SeatEnv.StepInto returned another batch")
				}
				for i, b := range got {
					sameSeatBatch(t, seats[i].Seat(), step, full, world, b, seats[i].Spec(), tc.seats[i].Agents)
					if b.Match == nil || !slices.Equal(b.Match.Seats, []string{tc.seats[0].Name, tc.seats[1].Name}) {
						t.Fatalf("step %d: match info %+v", step, b.Match)
					}
					for _, s := range tc.seats {
						if o := b.Match.Outcome(s.Name); o != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED {
							t.Fatalf("step %d: seat %s outcome %v", step, s.Name, o)
						}
					}
					for _, e := range b.Episodes {
						if len(e.Seats) != 2 || e.Seats[0].Seat != tc.seats[0].Name || e.Seats[1].Submitted != e.Length ||
							e.Seats[0].TimedOut+e.Seats[0].Absent != 0 {
							t.Fatalf("step %d: seat statistics %+v of an episode of length %d", step, e.Seats, e.Length)
						}
						episodes++
					}
				}
			}
			if episodes == 0 {
				t.Fatal("no episode ended: autoreset untested")
			}
		})
	}
}

// With no seats every agent is its own seat, named by the world's agent names.
func TestSeatPerAgent(t *testing.T) {
	c := dial(t)
	m := makeMatch(t, c, "energy.room", roomConfig(), 1, 3, nil, nil)
	world := m.Spec()
	if len(m.Grants()) != world.NumAgents {
		t.Fatalf("%d grants for %d agents", len(m.Grants()), world.NumAgents)
	}
	seats := make([]*kindred.SeatEnv, world.NumAgents)
	actions := make([][]int32, world.NumAgents)
	for a, g := range m.Grants() {
		if g.Name != world.AgentNames[a] || !slices.Equal(g.Agents, []int{a}) {
			t.Fatalf("grant %d: %+v", a, g)
		}
		seats[a] = join(t, m, c, g.Name, nil)
		if seats[a].Spec().NumAgents != 1 {
			t.Fatalf("seat %s has %d agents", g.Name, seats[a].Spec().NumAgents)
		}
		actions[a] = make([]int32, seats[a].Spec().ActionLen())
	}
	for step := uint64(1); step <= 3; step++ {
		got, err := stepSeats(seats, actions)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range got {
			if b.SessionStep != step || len(b.Match.Seats) != world.NumAgents {
				t.Fatalf("step %d: session_step %d, match %+v", step, b.SessionStep, b.Match)
			}
		}
	}
}

// stepBoth steps two seats together and checks that the world moved to the expected step with
// both seats submitted: the match plays on.
func stepBoth(t *testing.T, a, b *kindred.SeatEnv, step uint64) {
	t.Helper()
	got, err := stepSeats([]*kindred.SeatEnv{a, b}, [][]int32{make([]int32, a.Spec().ActionLen()), make([]int32, b.Spec().ActionLen())})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.SessionStep != step || r.Match.Outcome(a.Seat()) != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED ||
			r.Match.Outcome(b.Seat()) != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED {
			t.Fatalf("session_step %d (want %d), match %+v", r.SessionStep, step, r.Match)
		}
	}
}

// Every error of the seat methods has its code, and none of them touches the match: the seats
// go on playing after each.
func TestMatchErrors(t *testing.T) {
	creator := dial(t)
	m := makeMatch(t, creator, "energy.room", roomConfig(), 2, 1,
		[]kindred.Seat{{Name: "x", Agents: []int{0, 1}}, {Name: "y", Agents: []int{2}}}, &kindred.MatchOptions{MaxActionTime: 20 * time.Second})
	gx, _ := m.Grant("x")
	cx, cy, other := dial(t), dial(t), dial(t)

	_, err := other.JoinSeat(ctx, strings.Repeat("0", 32), "x", gx.JoinToken, nil)
	wantCode(t, err, codes.NotFound, "JoinSession")
	_, err = other.JoinSeat(ctx, m.SessionID(), "z", gx.JoinToken, nil)
	wantCode(t, err, codes.NotFound)
	_, err = m.Join(ctx, "z", nil)
	wantCode(t, err, codes.NotFound, "no seat 'z'")
	_, err = other.JoinSeat(ctx, m.SessionID(), "y", gx.JoinToken, nil) // x's token for y
	wantCode(t, err, codes.PermissionDenied)

	x := join(t, m, cx, "x", nil)
	y := join(t, m, cy, "y", &kindred.SeatOptions{Unary: true})
	_, err = other.JoinSeat(ctx, m.SessionID(), "x", gx.JoinToken, nil)
	wantCode(t, err, codes.AlreadyExists)
	stepBoth(t, x, y, 1)

	// The seat's shape: checked here before sending, then by the server.
	_, err = x.Step(make([]int32, 3))
	wantCode(t, err, codes.InvalidArgument, "actions must have 8 int32 values", "got 3")
	for _, seat := range []*kindred.SeatEnv{x, y} {
		_, err = seat.StepRaw(make([]byte, 4*(seat.Spec().ActionLen()+2)))
		wantCode(t, err, codes.InvalidArgument)
	}
	stepBoth(t, x, y, 2)

	// A second submission for one world step: x's first waits for y; its duplicate (x's token,
	// over x's connection) is refused. Which of the two the server saw first is up to the
	// network, so exactly one of them must fail.
	stub := cx.Stub()
	gy, _ := m.Grant("y")
	noop := make([]byte, 4*x.Spec().ActionLen())
	first := make(chan error, 1)
	go func() {
		_, err := x.StepRaw(noop)
		first <- err
	}()
	time.Sleep(300 * time.Millisecond)
	_, dupErr := stub.StepSeat(ctx, &pb.StepSeatRequest{SessionId: m.SessionID(), Seat: "x", JoinToken: gx.JoinToken, Actions: noop})
	yb := ok(t)(y.Step(make([]int32, y.Spec().ActionLen())))
	firstErr := <-first
	if (dupErr == nil) == (firstErr == nil) {
		t.Fatalf("two submissions of seat x for one step: first %v, duplicate %v; want exactly one FAILED_PRECONDITION", firstErr, dupErr)
	}
	if e := firstErr; e != nil || dupErr != nil {
		if e == nil {
			e = dupErr
		}
		wantCode(t, e, codes.FailedPrecondition)
	}
	if yb.SessionStep != 3 || yb.Match.Outcome("x") != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED {
		t.Fatalf("step 3: session_step %d, match %+v", yb.SessionStep, yb.Match)
	}
	// A unary seat's retry of its last step is answered again without stepping; so is a
	// submission for an earlier step (a late seat): the answer is the latest step, nothing applied.
	ys := cy.Stub()
	retry, old := uint64(3), uint64(2)
	yNoop := make([]byte, 4*y.Spec().ActionLen())
	r, err := ys.StepSeat(ctx, &pb.StepSeatRequest{SessionId: m.SessionID(), Seat: "y", JoinToken: gy.JoinToken, Actions: yNoop, ExpectedStep: &retry})
	if err != nil || r.SessionStep != 3 || !bytes.Equal(r.Rewards, yb.Response.Rewards) {
		t.Fatalf("retry of y's step 3: %v, session_step %d", err, r.GetSessionStep())
	}
	r, err = ys.StepSeat(ctx, &pb.StepSeatRequest{SessionId: m.SessionID(), Seat: "y", JoinToken: gy.JoinToken, Actions: yNoop, ExpectedStep: &old})
	if err != nil || r.SessionStep != 3 || !bytes.Equal(r.Rewards, yb.Response.Rewards) {
		t.Fatalf("y's late submission for step 2: %v, session_step %d", err, r.GetSessionStep())
	}
	ahead := uint64(5)
	_, err = ys.StepSeat(ctx, &pb.StepSeatRequest{SessionId: m.SessionID(), Seat: "y", JoinToken: gy.JoinToken, Actions: yNoop, ExpectedStep: &ahead})
	wantCode(t, err, codes.FailedPrecondition, "expected_step")
	if firstErr != nil { // x's stream was closed by its error; its next step opens another
		t.Logf("the duplicate arrived first: %v", firstErr)
	}
	stepBoth(t, x, y, 4)

	// Plain calls on a match, by its creator, and seat calls on a plain session.
	cs := creator.Stub()
	_, err = cs.Reset(ctx, &pb.ResetRequest{SessionId: m.SessionID()})
	wantCode(t, err, codes.FailedPrecondition)
	_, err = cs.Step(ctx, &pb.StepRequest{SessionId: m.SessionID(), Actions: make([]byte, 4*m.Spec().ActionLen())})
	wantCode(t, err, codes.FailedPrecondition)
	plain := makeEnv(t, creator, "energy.room", roomConfig(), 1, 1, nil)
	_, err = creator.JoinSeat(ctx, plain.SessionID(), "x", gx.JoinToken, nil)
	wantCode(t, err, codes.FailedPrecondition)
	_, err = cs.StepSeat(ctx, &pb.StepSeatRequest{SessionId: plain.SessionID(), Seat: "x", JoinToken: gx.JoinToken, Actions: noop})
	wantCode(t, err, codes.FailedPrecondition)
	stepBoth(t, x, y, 5)

	// A left seat cannot step until it is joined again.
	if err := x.Leave(); err != nil {
		t.Fatal(err)
	}
	_, err = x.Step(make([]int32, x.Spec().ActionLen()))
	wantCode(t, err, codes.FailedPrecondition, "left")
}

// A held seat that does not submit times out: the other seat's step returns after about
// MaxActionTime, with the silent seat TIMED_OUT; the late seat's next submission gets the step it
// missed at once, and then it plays the match's next step.
// A seat that left is ABSENT, and does not hold the match up at all; its seat can be joined
// again.
func TestMatchDeadlineAndLeave(t *testing.T) {
	const maxAction = 600 * time.Millisecond
	c := dial(t)
	m := makeMatch(t, c, "energy.room", roomConfig(), 2, 4,
		[]kindred.Seat{{Name: "fast", Agents: []int{0}}, {Name: "slow", Agents: []int{1, 2}}}, &kindred.MatchOptions{MaxActionTime: maxAction})
	fast := join(t, m, dial(t), "fast", nil)
	slow := join(t, m, dial(t), "slow", &kindred.SeatOptions{Unary: true})
	stepBoth(t, fast, slow, 1)

	for step := uint64(2); step <= 3; step++ {
		start := time.Now()
		b := ok(t)(fast.Step(make([]int32, fast.Spec().ActionLen())))
		took := time.Since(start)
		if took < maxAction-50*time.Millisecond || took > maxAction+1500*time.Millisecond {
			t.Fatalf("step %d with a silent seat took %v; the deadline is %v", step, took, maxAction)
		}
		if b.SessionStep != step || b.Match.Outcome("fast") != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED ||
			b.Match.Outcome("slow") != pb.SeatOutcome_SEAT_OUTCOME_TIMED_OUT {
			t.Fatalf("step %d: session_step %d, match %+v", step, b.SessionStep, b.Match)
		}
		if b.Match.Wait < maxAction-50*time.Millisecond || b.Match.Wait > took {
			t.Fatalf("step %d: the match says it waited %v (took %v, deadline %v)", step, b.Match.Wait, took, maxAction)
		}
	}

	// The unary seat last answered step 1: its late submission for step 2 is answered at once
	// with its part of step 3 (2 and 3 went on without it), its actions not applied; then it is
	// back in step.
	start := time.Now()
	late := ok(t)(slow.Step(make([]int32, slow.Spec().ActionLen())))
	if took := time.Since(start); took > maxAction/2 || late.SessionStep != 3 ||
		late.Match.Outcome("slow") != pb.SeatOutcome_SEAT_OUTCOME_TIMED_OUT {
		t.Fatalf("the late seat's submission: took %v, session_step %d, match %+v", took, late.SessionStep, late.Match)
	}
	stepBoth(t, fast, slow, 4)

	if err := slow.Leave(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	b := ok(t)(fast.Step(make([]int32, fast.Spec().ActionLen())))
	if took := time.Since(start); took > maxAction/2 || b.Match.Outcome("slow") != pb.SeatOutcome_SEAT_OUTCOME_ABSENT {
		t.Fatalf("with the other seat left: took %v, match %+v", took, b.Match)
	}
	again := join(t, m, dial(t), "slow", nil)
	if again.Joined().SessionStep != b.SessionStep {
		t.Fatalf("rejoined at session_step %d, the match is at %d", again.Joined().SessionStep, b.SessionStep)
	}
	stepBoth(t, fast, again, b.SessionStep+1)
}

// The seat-brain command (through run-seat-brain.sh, as the cross-language test runs it) plays
// one seat of a two-seat match while this test plays the other with the same action formula;
// its lines equal the hashes of a single-controller session's batches sliced to its seat.
func TestSeatBrainMatchesSlicedSingleController(t *testing.T) {
	const copies, steps = 2, 12
	seed := uint64(23)
	cfg := roomConfig()
	layout := []kindred.Seat{{Name: "brain", Agents: []int{2, 0}}, {Name: "here", Agents: []int{1}}}
	c := dial(t)

	single := makeEnv(t, c, "energy.room", cfg, copies, seed, nil)
	world := single.Spec()
	full := ok(t)(single.Reset(&seed))
	var want []string
	actions := make([]int32, world.ActionLen())
	for step := 0; ; step++ {
		// The brain's spec is the world's: energy has no copy-scope observation to withhold.
		v := sliceBatch(t, full, world, world, layout[0].Agents)
		want = append(want, fmt.Sprintf("%d %s", step, crosslang.Hash(v.obs, v.rewards, full.Terminated, full.Truncated)))
		if step == steps {
			break
		}
		crosslang.Actions(actions, int64(step+1), copies, crosslang.AllAgents(world.NumAgents), world.ActionNVec)
		full = ok(t)(single.Step(actions))
	}

	m := makeMatch(t, c, "energy.room", cfg, copies, seed, layout, nil)
	g, _ := m.Grant("brain")
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "bash", "../run-seat-brain.sh", "--target", target, "--session", m.SessionID(),
		"--seat", "brain", "--token", g.JoinToken, "--steps", fmt.Sprint(steps))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	brainDone := make(chan error, 1)
	go func() { brainDone <- cmd.Wait() }()

	here := join(t, m, dial(t), "here", nil)
	mine := make([]int32, here.Spec().ActionLen())
	for step := 1; step <= steps; step++ {
		crosslang.Actions(mine, int64(step), copies, here.Agents(), here.Spec().ActionNVec)
		b, err := here.Step(mine)
		if err != nil {
			cancel()
			<-brainDone
			t.Fatalf("step %d: %v\nseat-brain stderr:\n%s", step, err, stderr.String())
		}
		if b.Match.Outcome("brain") != pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED {
			t.Fatalf("step %d: the brain's outcome %v", step, b.Match.Outcome("brain"))
		}
	}
	if err := <-brainDone; err != nil {
		t.Fatalf("seat-brain: %v\n%s", err, stderr.String())
	}
	got := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("seat-brain printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	distinct := map[string]bool{}
	for _, l := range want {
		distinct[strings.Fields(l)[1]] = true
	}
	if len(distinct) <= steps/2 {
		t.Fatalf("the trajectory hardly moves: %d distinct hashes in %d lines", len(distinct), len(want))
	}
}
