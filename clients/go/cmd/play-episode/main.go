// Command play-episode plays one episode of a Kindred world with random actions and prints
// each agent's return and the episode's statistics.
//
//	go run ./cmd/play-episode                                  # starts a local server from the jar
//	go run ./cmd/play-episode --target localhost:50051 --world energy.s3 --config '{}'
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"sort"

	"kindred.dev/clients/go/kindred"
	"kindred.dev/clients/go/localserver"
)

// An 8x8 lattice with three controlled spins.
const spinDefault = `{"width": 8, "height": 8, "controlled": [0, 9, 18], "max_steps": 50}`

func run() error {
	target := flag.String("target", "", "server address HOST:PORT; empty: start a local server from env-server/target/kindred-server.jar")
	world := flag.String("world", "spin.lattice", "world id (e.g. spin.lattice, energy.s3)")
	configJSON := flag.String("config", "", "world configuration, a JSON object (default for spin.lattice: "+spinDefault+"; else {})")
	seed := flag.Uint64("seed", 1, "session seed; actions use it too")
	flag.Parse()

	if *configJSON == "" {
		*configJSON = "{}"
		if *world == "spin.lattice" {
			*configJSON = spinDefault
		}
	}
	var config map[string]any
	if err := json.Unmarshal([]byte(*configJSON), &config); err != nil {
		return fmt.Errorf("--config must be a JSON object: %w", err)
	}
	if *target == "" {
		srv, err := localserver.Start(localserver.Options{})
		if err != nil {
			return err
		}
		defer srv.Stop()
		*target = srv.Target()
	}

	return playEpisode(os.Stdout, *target, *world, config, *seed)
}

// playEpisode plays one episode of copy 0 with random actions, printing returns and stats to w.
func playEpisode(w io.Writer, target, world string, config map[string]any, seed uint64) error {
	client, err := kindred.Dial(target, nil)
	if err != nil {
		return err
	}
	defer client.Close()
	env, err := client.MakeVectorEnv(context.Background(), world, config, 1, seed, nil)
	if err != nil {
		return err
	}
	defer env.Close()
	spec := env.Spec()
	fmt.Fprintf(w, "%s at %s: %d agent(s), actions %v, episodes of at most %d steps\n",
		spec.WorldID, target, spec.NumAgents, spec.ActionNVec, spec.MaxSteps)
	for _, o := range spec.Observations {
		fmt.Fprintf(w, "  observation %s\n", o.String())
	}

	rng := rand.New(rand.NewSource(int64(seed)))
	batch, err := env.Reset(&seed)
	if err != nil {
		return err
	}
	returns := make([]float64, spec.NumAgents)
	for steps := 1; ; steps++ {
		if batch, err = env.Step(env.SampleActions(rng)); err != nil {
			return err
		}
		for a := range returns {
			returns[a] += float64(batch.Reward(0, a))
		}
		if len(batch.Episodes) == 0 {
			continue
		}
		ep := batch.Episodes[0]
		end := "truncated"
		if ep.Terminated {
			end = "terminated"
		}
		fmt.Fprintf(w, "episode %d %s after %d steps (%d steps played)\n", ep.Episode, end, ep.Length, steps)
		for a, r := range ep.Returns {
			name := fmt.Sprint(a)
			if a < len(spec.AgentNames) {
				name = spec.AgentNames[a]
			}
			fmt.Fprintf(w, "  %-12s return %10.4f (summed here: %.4f)%s\n", name, r, returns[a], statsText(ep.AgentStats, a))
		}
		if len(ep.Stats) > 0 {
			fmt.Fprintf(w, "  episode stats:%s\n", statsText([]map[string]float64{ep.Stats}, 0))
		}
		return nil
	}
}

func statsText(stats []map[string]float64, i int) string {
	if i >= len(stats) || len(stats[i]) == 0 {
		return ""
	}
	keys := make([]string, 0, len(stats[i]))
	for k := range stats[i] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf(" %s=%.4g", k, stats[i][k])
	}
	return s
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "play-episode:", err)
		os.Exit(1)
	}
}
