// Command remote-brain plays one seat of a Kindred match from anywhere the server can be
// reached: it joins the seat with the token its creator handed out and plays uniformly at random
// over the actions its agents' action mask opens (or over the world's valid combinations when it
// has no mask), printing a line per episode and a summary.
//
//	remote-brain -addr HOST:PORT -session ID -seat NAME -token TOKEN [-episodes 3] [-seed 1]
//
// See the "Matches" section of clients/go/README.md for making a match and handing out its seats.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"strings"
	"time"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
)

type settings struct {
	addr, session, seat, token string
	episodes                   int   // stop after this many episodes have ended (over all copies)
	maxSteps                   int   // and after at most this many steps (0: no limit)
	seed                       int64 // of the policy's random numbers
	unary                      bool
	timeout                    time.Duration
}

func main() {
	var s settings
	flag.StringVar(&s.addr, "addr", "localhost:50051", "server address HOST:PORT")
	flag.StringVar(&s.session, "session", "", "the match's session id")
	flag.StringVar(&s.seat, "seat", "", "the seat's name")
	flag.StringVar(&s.token, "token", "", "the seat's join token")
	flag.IntVar(&s.episodes, "episodes", 3, "stop after this many episodes have ended (counted over all copies)")
	flag.IntVar(&s.maxSteps, "max-steps", 0, "stop after at most this many steps (0: no limit)")
	flag.Int64Var(&s.seed, "seed", 1, "seed of the policy's random numbers")
	flag.BoolVar(&s.unary, "unary", false, "one StepSeat call per step instead of one StepSeatStream")
	flag.DurationVar(&s.timeout, "timeout", 10*time.Minute, "deadline of each call; a step may wait for the other seats to join and to act")
	flag.Parse()
	if s.session == "" || s.seat == "" || s.token == "" {
		fmt.Fprintln(os.Stderr, "remote-brain: -session, -seat and -token are required (the match's creator hands them out)")
		os.Exit(2)
	}
	if err := play(os.Stdout, s); err != nil {
		fmt.Fprintln(os.Stderr, "remote-brain:", err)
		os.Exit(1)
	}
}

// play joins the seat, plays until the episodes are done, leaves, and prints to w.
func play(w io.Writer, s settings) error {
	client, err := kindred.Dial(s.addr, &kindred.Options{ClientName: "kindred-go-remote-brain", Timeout: s.timeout})
	if err != nil {
		return err
	}
	defer client.Close()
	env, err := client.JoinSeat(context.Background(), s.session, s.seat, s.token, &kindred.SeatOptions{Unary: s.unary})
	if err != nil {
		return err
	}
	defer env.Leave()
	spec := env.Spec()
	fmt.Fprintf(w, "seat %s of match %s (%s, %d copies): agents %v (world indices %v), actions %v\n",
		env.Seat(), s.session, spec.WorldID, spec.NumCopies, spec.AgentNames, env.Agents(), spec.ActionNVec)

	policy := newUniformPolicy(spec, rand.New(rand.NewSource(s.seed)))
	returns := make([]float64, spec.NumAgents) // summed over the ended episodes
	var outcomes [4]int                        // this seat's, indexed by pb.SeatOutcome
	var wait time.Duration
	episodes, steps := 0, 0
	b := env.Joined()
	for episodes < s.episodes && (s.maxSteps == 0 || steps < s.maxSteps) {
		actions, err := policy.act(b)
		if err != nil {
			return err
		}
		if b, err = env.Step(actions); err != nil {
			return err
		}
		steps++
		if b.Match != nil {
			outcomes[b.Match.Outcome(env.Seat())]++
			wait += b.Match.Wait
		}
		for _, ep := range b.Episodes {
			episodes++
			for a, r := range ep.Returns {
				returns[a] += r
			}
			fmt.Fprintln(w, episodeLine(spec, env.Seat(), ep))
		}
	}
	fmt.Fprintf(w, "summary: seat %s played %d steps, %d episodes ended; submitted %d, timed out %d, absent %d; mean wait %s\n",
		env.Seat(), steps, episodes, outcomes[pb.SeatOutcome_SEAT_OUTCOME_SUBMITTED],
		outcomes[pb.SeatOutcome_SEAT_OUTCOME_TIMED_OUT], outcomes[pb.SeatOutcome_SEAT_OUTCOME_ABSENT],
		(wait / time.Duration(max(steps, 1))).Round(time.Microsecond))
	if episodes > 0 {
		var sb strings.Builder
		for a, r := range returns {
			fmt.Fprintf(&sb, " %s %.4f", spec.AgentNames[a], r/float64(episodes))
		}
		fmt.Fprintf(w, "summary: mean return per episode:%s\n", sb.String())
	}
	return env.Leave()
}

func episodeLine(spec *kindred.Spec, seat string, ep kindred.EpisodeStats) string {
	end := "truncated"
	if ep.Terminated {
		end = "terminated"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "episode %d of copy %d: %s after %d steps; returns", ep.Episode, ep.Copy, end, ep.Length)
	for a, r := range ep.Returns {
		fmt.Fprintf(&sb, " %s %.4f", spec.AgentNames[a], r)
	}
	for _, st := range ep.Seats {
		if st.Seat == seat {
			fmt.Fprintf(&sb, "; seat %s: submitted %d, timed out %d, absent %d, actions failed %d",
				st.Seat, st.Submitted, st.TimedOut, st.Absent, st.ActionsFailed)
		}
	}
	return sb.String()
}

// uniformPolicy picks, for every agent of every copy, one action combination uniformly among
// those its action mask opens; without a mask, among the world's valid combinations; without
// those either, every dimension uniformly. A fully closed mask plays the all-zeros action (the
// energy world's noop). Its buffers are reused: no allocation per step.
type uniformPolicy struct {
	spec    *kindred.Spec
	rng     *rand.Rand
	combos  [][]int32 // the candidates (nil: every dimension on its own)
	flat    []int     // each candidate's index in the mask
	open    []int     // scratch: the candidates one agent's mask opens
	actions []int32
}

func newUniformPolicy(spec *kindred.Spec, rng *rand.Rand) *uniformPolicy {
	p := &uniformPolicy{spec: spec, rng: rng, actions: make([]int32, spec.ActionLen())}
	p.combos = spec.ValidCombinations
	if len(p.combos) == 0 && spec.ActionMaskObservation != "" {
		p.combos = allCombinations(spec.ActionNVec)
	}
	for _, c := range p.combos {
		p.flat = append(p.flat, spec.FlatActionIndex(c...))
	}
	p.open = make([]int, 0, len(p.combos))
	return p
}

// allCombinations lists every combination of values, the last dimension fastest.
func allCombinations(nvec []int32) [][]int32 {
	out := [][]int32{{}}
	for _, n := range nvec {
		next := make([][]int32, 0, len(out)*int(n))
		for _, prefix := range out {
			for v := int32(0); v < n; v++ {
				next = append(next, append(append([]int32(nil), prefix...), v))
			}
		}
		out = next
	}
	return out
}

func (p *uniformPolicy) act(b *kindred.Batch) ([]int32, error) {
	s := p.spec
	dims := len(s.ActionNVec)
	if p.combos == nil {
		for i := range p.actions {
			p.actions[i] = p.rng.Int31n(s.ActionNVec[i%dims])
		}
		return p.actions, nil
	}
	var mask []uint8
	width := 1
	if s.ActionMaskObservation != "" {
		var err error
		if mask, err = b.Uint8s(s.ActionMaskObservation); err != nil {
			return nil, err
		}
		for _, n := range s.ActionNVec {
			width *= int(n)
		}
	}
	for row := 0; row < s.NumCopies*s.NumAgents; row++ {
		p.open = p.open[:0]
		for k := range p.combos {
			if mask == nil || mask[row*width+p.flat[k]] != 0 {
				p.open = append(p.open, k)
			}
		}
		out := p.actions[row*dims : (row+1)*dims]
		if len(p.open) == 0 {
			clear(out)
			continue
		}
		copy(out, p.combos[p.open[p.rng.Intn(len(p.open))]])
	}
	return p.actions, nil
}
