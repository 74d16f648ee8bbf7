package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"kindred.dev/clients/go/localserver"
)

// The example plays a whole episode of each kind of world against a real server
// ($KINDRED_TEST_TARGET, else one started from the repository's jar).
func TestPlayEpisode(t *testing.T) {
	target := os.Getenv("KINDRED_TEST_TARGET")
	if target == "" {
		srv, err := localserver.Start(localserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		target = srv.Target()
	}
	for world, config := range map[string]map[string]any{
		"spin.lattice": {"width": 8, "height": 8, "controlled": []int{0, 9, 18}, "max_steps": 50},
		"energy.s3":    {"max_steps": 40},
	} {
		var out bytes.Buffer
		if err := playEpisode(&out, target, world, config, 3); err != nil {
			t.Fatalf("%s: %v", world, err)
		}
		text := out.String()
		if !strings.Contains(text, "episode 0 truncated after") || !strings.Contains(text, "return") {
			t.Fatalf("%s: unexpected output:\n%s", world, text)
		}
	}
}
