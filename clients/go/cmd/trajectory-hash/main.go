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
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"

	"kindred.dev/clients/go/kindred"
)

// actionsAt is the contract's action array for step t, int32 [copies, agents, dims]:
// (t*7919 + c*104729 + a*1299709 + d*15485863 + 12345) mod num_values(d), in 64-bit integers.
func actionsAt(t int64, spec *kindred.Spec) []int32 {
	dims := len(spec.ActionNVec)
	out := make([]int32, 0, spec.ActionLen())
	for c := int64(0); c < int64(spec.NumCopies); c++ {
		for a := int64(0); a < int64(spec.NumAgents); a++ {
			for d := 0; d < dims; d++ {
				v := t*7919 + c*104729 + a*1299709 + int64(d)*15485863 + 12345
				out = append(out, int32(v%int64(spec.ActionNVec[d])))
			}
		}
	}
	return out
}

func stepHash(spec *kindred.Spec, b *kindred.Batch) (string, error) {
	h := sha256.New()
	for _, o := range spec.Observations {
		raw, err := b.Bytes(o.Name)
		if err != nil {
			return "", err
		}
		h.Write(raw)
	}
	var buf [4]byte
	for _, r := range b.Rewards {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(r))
		h.Write(buf[:])
	}
	for _, flags := range [][]bool{b.Terminated, b.Truncated} {
		for _, f := range flags {
			if f {
				h.Write([]byte{1})
			} else {
				h.Write([]byte{0})
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

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
	for t := 0; ; t++ {
		h, err := stepHash(spec, b)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d %s\n", t, h)
		if t == *steps {
			break
		}
		if b, err = env.Step(actionsAt(int64(t+1), spec)); err != nil {
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
