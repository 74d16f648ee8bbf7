package main

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
	"kindred.dev/clients/go/localserver"
)

// Two remote brains play the two seats of an energy match until two episodes have ended (both
// copies truncate at step 6), each printing its episodes and a summary.
func TestRemoteBrainsPlayAMatch(t *testing.T) {
	target := os.Getenv("KINDRED_TEST_TARGET")
	if target == "" {
		srv, err := localserver.Start(localserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		target = srv.Target()
	}
	client, err := kindred.Dial(target, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	config := map[string]any{"width": 12, "height": 10, "agents": 3, "max_steps": 6}
	m, err := client.CreateMatch(context.Background(), "energy.room", config, 2, 8,
		[]kindred.Seat{{Name: "left", Agents: []int{0, 2}}, {Name: "right", Agents: []int{1}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	outs := make([]bytes.Buffer, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, g := range m.Grants() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = play(&outs[i], settings{addr: target, session: m.SessionID(), seat: g.Name, token: g.JoinToken,
				episodes: 2, seed: int64(i), unary: i == 1, timeout: time.Minute})
		}()
	}
	wg.Wait()
	for i, g := range m.Grants() {
		text := outs[i].String()
		if errs[i] != nil {
			t.Fatalf("seat %s: %v\n%s", g.Name, errs[i], text)
		}
		for _, want := range []string{
			"seat " + g.Name + " of match " + m.SessionID(),
			"episode 0 of copy 0: truncated after 6 steps; returns",
			"episode 0 of copy 1: truncated after 6 steps; returns",
			"; seat " + g.Name + ": submitted 6, timed out 0, absent 0, actions failed",
			"summary: seat " + g.Name + " played 6 steps, 2 episodes ended; submitted 6, timed out 0, absent 0",
			"summary: mean return per episode:",
		} {
			if !strings.Contains(text, want) {
				t.Fatalf("seat %s: no %q in:\n%s", g.Name, want, text)
			}
		}
	}
}

// The policy draws only what the mask opens, uniformly, and the noop where it opens nothing;
// without a mask, only the world's valid combinations.
func TestUniformPolicyFollowsTheMask(t *testing.T) {
	spec := &kindred.Spec{NumCopies: 1, NumAgents: 2, ActionNVec: []int32{2, 3},
		ValidCombinations: [][]int32{{0, 0}, {1, 0}, {1, 1}, {1, 2}}, ActionMaskObservation: "action_mask"}
	mask := make([]uint8, 2*6)
	mask[spec.FlatActionIndex(0, 0)] = 1 // agent 0: noop or [1 1]; agent 1: nothing
	mask[spec.FlatActionIndex(1, 1)] = 1
	batch := &kindred.Batch{Observations: []kindred.Tensor{{Spec: &kindred.ObservationSpec{Name: "action_mask", DType: pb.DType_DTYPE_UINT8}, Raw: mask}}}
	p := newUniformPolicy(spec, rand.New(rand.NewSource(1)))
	counts := map[[2]int32]int{}
	const draws = 4000
	for i := 0; i < draws; i++ {
		a, err := p.act(batch)
		if err != nil {
			t.Fatal(err)
		}
		counts[[2]int32{a[0], a[1]}]++
		if a[2] != 0 || a[3] != 0 {
			t.Fatalf("agent 1 has no open action but played %v", a[2:])
		}
	}
	if len(counts) != 2 || counts[[2]int32{0, 0}] < draws*45/100 || counts[[2]int32{1, 1}] < draws*45/100 {
		t.Fatalf("agent 0's draws: %v", counts)
	}

	if allocs := testing.AllocsPerRun(100, func() { p.act(batch) }); allocs != 0 {
		t.Fatalf("act allocates %v times per step", allocs)
	}

	spec.ActionMaskObservation = ""
	p = newUniformPolicy(spec, rand.New(rand.NewSource(2)))
	seen := map[[2]int32]int{}
	for i := 0; i < draws; i++ {
		a, _ := p.act(&kindred.Batch{})
		seen[[2]int32{a[0], a[1]}]++
	}
	if len(seen) != 4 || seen[[2]int32{0, 1}] != 0 || seen[[2]int32{1, 2}] < draws/8 {
		t.Fatalf("without a mask: %v", seen)
	}
}
