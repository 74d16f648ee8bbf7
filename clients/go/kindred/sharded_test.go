package kindred_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
	"kindred.dev/clients/go/localserver"
)

var shardEnergy = map[string]any{"max_steps": 9, "kinship": "teams", "groups": 2}

// startServers starts n local servers and one client for each; all stop with the test.
func startServers(t *testing.T, n int) ([]*localserver.Server, []*kindred.Client) {
	t.Helper()
	var servers []*localserver.Server
	var clients []*kindred.Client
	t.Cleanup(func() {
		for _, c := range clients {
			c.Close()
		}
		for _, s := range servers {
			s.Stop()
		}
	})
	for i := 0; i < n; i++ {
		s, err := localserver.Start(localserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, s)
		c, err := kindred.Dial(s.Target(), &kindred.Options{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	return servers, clients
}

// snapshot is every byte of a batch that the protocol defines (observations, final
// observations, rewards, flags, episodes, session step).
func snapshot(b *kindred.Batch) []byte {
	var out bytes.Buffer
	for _, t := range b.Observations {
		out.WriteString(t.Spec.Name)
		out.Write(t.Raw)
	}
	for _, t := range b.FinalObservations {
		out.WriteString("final " + t.Spec.Name)
		out.Write(t.Raw)
	}
	for _, r := range b.Rewards {
		_ = binary.Write(&out, binary.LittleEndian, math.Float32bits(r))
	}
	fmt.Fprint(&out, b.Terminated, b.Truncated, b.ActionSuccess, b.ResetMask, b.SessionStep)
	for _, e := range b.Episodes {
		fmt.Fprintf(&out, "%d/%d/%d/%v/%v/%v/%v/%v", e.Copy, e.Episode, e.Length, e.Terminated, e.Truncated, e.Returns, e.AgentStats, e.Stats)
	}
	return out.Bytes()
}

type env interface {
	ResetCopies(seed *uint64, copies []uint32) (*kindred.Batch, error)
	Step(actions []int32) (*kindred.Batch, error)
}

// run: reset, steps through autoresets, a reset with a new seed, partial resets (one right
// after a step where every episode ended), more steps.
func run(t *testing.T, e env, actions [][]int32) [][]byte {
	t.Helper()
	must := func(b *kindred.Batch, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return snapshot(b)
	}
	out := [][]byte{must(e.ResetCopies(nil, nil))}
	for i, a := range actions {
		if i == 20 {
			seed := uint64(99)
			out = append(out, must(e.ResetCopies(&seed, nil)))
		} else if i == 26 { // spin.lattice's episodes (6 steps) all ended in the step before this
			out = append(out, must(e.ResetCopies(nil, []uint32{0})))
		} else if i == 30 {
			out = append(out, must(e.ResetCopies(nil, []uint32{1, 5, 6})))
		}
		out = append(out, must(e.Step(a)))
	}
	return out
}

func TestShardedTrajectoryEqualsSingleServer(t *testing.T) {
	_, clients := startServers(t, 3)
	ctx := context.Background()
	const copies = 7 // 3 + 2 + 2: uneven shards
	for _, world := range []string{"energy.s1", "spin.lattice"} {
		config := shardEnergy
		if world == "spin.lattice" {
			config = map[string]any{"max_steps": 6}
		}
		for _, mode := range []pb.AutoresetMode{pb.AutoresetMode_AUTORESET_NEXT_STEP, pb.AutoresetMode_AUTORESET_SAME_STEP} {
			opts := &kindred.EnvOptions{Autoreset: mode}
			single, err := clients[0].MakeVectorEnv(ctx, world, config, copies, 2024, opts)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(5))
			actions := make([][]int32, 45)
			nvec := single.Spec().ActionNVec
			for i := range actions {
				actions[i] = make([]int32, single.Spec().ActionLen())
				for j := range actions[i] {
					actions[i][j] = rng.Int31n(nvec[j%len(nvec)])
				}
			}
			expected := run(t, single, actions)
			single.Close()

			sharded, err := kindred.NewShardedVectorEnv(ctx, clients, world, config, copies, 2024, opts)
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for _, s := range sharded.Shards() {
				sizes = append(sizes, s.Copies)
			}
			if fmt.Sprint(sizes) != "[3 2 2]" {
				t.Fatalf("shard sizes %v, want [3 2 2]", sizes)
			}
			got := run(t, sharded, actions)
			sharded.Close()
			for i := range expected {
				if !bytes.Equal(expected[i], got[i]) {
					t.Fatalf("%s %v: step %d differs between one server and three shards", world, mode, i)
				}
			}
			// StepInto and ResetCopiesInto: alone, and alternating with Step and ResetCopies.
			for _, mixed := range []bool{false, true} {
				into, err := kindred.NewShardedVectorEnv(ctx, clients, world, config, copies, 2024, opts)
				if err != nil {
					t.Fatal(err)
				}
				gotInto := run(t, &intoRun{t: t, s: into, mixed: mixed}, actions)
				into.Close()
				for i := range got {
					if !bytes.Equal(got[i], gotInto[i]) {
						t.Fatalf("%s %v mixed=%v: step %d differs between Step and StepInto", world, mode, mixed, i)
					}
				}
			}
		}
	}
}

func TestShardedDeadServerIsNamedWithItsCopies(t *testing.T) {
	servers, clients := startServers(t, 3)
	sharded, err := kindred.NewShardedVectorEnv(context.Background(), clients, "energy.s1", shardEnergy, 6, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sharded.Close()
	if _, err := sharded.Reset(nil); err != nil {
		t.Fatal(err)
	}
	actions := make([]int32, sharded.Spec().ActionLen())
	if _, err := sharded.Step(actions); err != nil {
		t.Fatal(err)
	}
	servers[1].Stop()
	for i := 0; i < 5 && err == nil; i++ {
		_, err = sharded.Step(actions)
	}
	var ke *kindred.Error
	if !errors.As(err, &ke) {
		t.Fatalf("got %v, want a *kindred.Error", err)
	}
	if !strings.Contains(ke.Message, "server "+servers[1].Target()) || !strings.Contains(ke.Message, "copies 2-3") {
		t.Fatalf("the error does not name the server and its copies: %v", err)
	}
}

func TestResolveAllListsEveryAddressOfAName(t *testing.T) {
	targets, err := kindred.ResolveAll(context.Background(), "localhost:50051")
	if err != nil || len(targets) == 0 {
		t.Fatalf("ResolveAll(localhost:50051) = %v, %v", targets, err)
	}
	for _, tg := range targets {
		if !strings.HasSuffix(tg, ":50051") {
			t.Fatalf("target %q lacks the port", tg)
		}
	}
	var ke *kindred.Error
	if _, err := kindred.ResolveAll(context.Background(), "localhost"); !errors.As(err, &ke) || ke.Code.String() != "InvalidArgument" {
		t.Fatalf("no port: got %v, want InvalidArgument", err)
	}
}
