// Command trajectory-hash is the Go participant of Kindred's cross-language determinism test
// (the contract is documented in clients/python/kindred/crosslang.py):
//
//	trajectory-hash --target HOST:PORT --world ID --config JSON --copies N --seed S --steps T
//
// It creates a session (autoreset NEXT_STEP, all observations), resets it with seed S, plays T
// steps of the contract's action formula, and prints "<t> <sha256 hex>" per step (0 for the
// reset): SHA-256 of every observation's packed little-endian bytes in spec order, then the
// rewards (float32 LE [copies, agents]), then terminated and truncated (one byte 0/1 per copy).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"kindred.dev/clients/go/internal/crosslang"
	"kindred.dev/clients/go/kindred"
)

func run() error {
	target := flag.String("target", "localhost:50051", "server address HOST:PORT")
	world := flag.String("world", "spin.lattice", "world id")
	configJSON := flag.String("config", "{}", "world configuration, a JSON object")
	copies := flag.Int("copies", 1, "copies of the world")
	seed := flag.Uint64("seed", 0, "session seed (uint64)")
	steps := flag.Int("steps", 10, "steps after the reset")
	flag.Parse()

	var config map[string]any
	if err := json.Unmarshal([]byte(*configJSON), &config); err != nil {
		return fmt.Errorf("--config must be a JSON object: %w", err)
	}
	client, err := kindred.Dial(*target, &kindred.Options{ClientName: "kindred-go-crosslang"})
	if err != nil {
		return err
	}
	defer client.Close()
	env, err := client.MakeVectorEnv(context.Background(), *world, config, *copies, *seed, nil)
	if err != nil {
		return err
	}
	spec := env.Spec()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	b, err := env.Reset(seed)
	if err != nil {
		return err
	}
	agents := crosslang.AllAgents(spec.NumAgents)
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
		crosslang.Actions(actions, int64(t+1), spec.NumCopies, agents, spec.ActionNVec)
		if b, err = env.Step(actions); err != nil {
			return err
		}
	}
	return env.Close()
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "trajectory-hash:", err)
		os.Exit(1)
	}
}
