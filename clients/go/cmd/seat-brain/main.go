// Command seat-brain is the Go seat brain of Kindred's cross-language match contract: it plays
// one seat of a match with the action formula of the cross-language determinism test (see
// clients/python/kindred/crosslang.py and cmd/trajectory-hash) and prints one hash per step:
//
//	seat-brain --target HOST:PORT --session ID --seat NAME --token TOKEN --steps T
//
// It joins the seat (line 0 hashes the join observation), then makes T StepSeat calls (line t
// hashes step t's response), printing "<t> <sha256 hex>" per line and nothing else on stdout.
// The action of copy c, seat agent j, dimension d at step t is the contract's formula with the
// agent's WORLD index (the seat layout's agents[j]), so seats that play it together apply
// exactly the actions of a single-controller trajectory-hash run, and each seat's lines equal
// that run's batches sliced to the seat's agents.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"

	"kindred.dev/clients/go/internal/crosslang"
	"kindred.dev/clients/go/kindred"
)

func run() error {
	target := flag.String("target", "localhost:50051", "server address HOST:PORT")
	session := flag.String("session", "", "the match's session id")
	seat := flag.String("seat", "", "the seat's name")
	token := flag.String("token", "", "the seat's join token")
	steps := flag.Int("steps", 10, "StepSeat calls after joining")
	flag.Parse()
	if *session == "" || *seat == "" || *token == "" {
		return fmt.Errorf("--session, --seat and --token are required")
	}

	// Other seats may take a while to join before the first step: no per-call deadline.
	client, err := kindred.Dial(*target, &kindred.Options{ClientName: "kindred-go-seat-brain", Timeout: -1})
	if err != nil {
		return err
	}
	defer client.Close()
	env, err := client.JoinSeat(context.Background(), *session, *seat, *token, &kindred.SeatOptions{Unary: true})
	if err != nil {
		return err
	}
	spec := env.Spec()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	b := env.Joined()
	actions := make([]int32, spec.ActionLen())
	for t := 0; ; t++ {
		h, err := crosslang.BatchHash(spec, b)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d %s\n", t, h)
		if t == *steps {
			break
		}
		crosslang.Actions(actions, int64(t+1), spec.NumCopies, env.Agents(), spec.ActionNVec)
		if b, err = env.Step(actions); err != nil {
			return err
		}
	}
	return env.Leave()
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "seat-brain:", err)
		os.Exit(1)
	}
}
