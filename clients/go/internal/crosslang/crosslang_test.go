package crosslang

import (
	"slices"
	"testing"
)

// The formula, written out for one value, and a seat's actions as the rows of its world agents
// in the whole world's actions.
func TestActionsUseWorldAgentIndices(t *testing.T) {
	nvec := []int32{8, 9}
	world := make([]int32, 2*3*2)
	Actions(world, 5, 2, AllAgents(3), nvec)
	// copy 1, agent 2, dimension 1 at step 5.
	if want := int32((5*7919 + 1*104729 + 2*1299709 + 1*15485863 + 12345) % 9); world[(1*3+2)*2+1] != want {
		t.Fatalf("copy 1 agent 2 dim 1: %d, want %d", world[(1*3+2)*2+1], want)
	}
	seat := make([]int32, 2*2*2)
	Actions(seat, 5, 2, []int{2, 0}, nvec)
	var want []int32
	for c := 0; c < 2; c++ {
		for _, a := range []int{2, 0} {
			want = append(want, world[(c*3+a)*2:(c*3+a+1)*2]...)
		}
	}
	if !slices.Equal(seat, want) {
		t.Fatalf("seat actions %v, want %v", seat, want)
	}
}

func TestHashLayout(t *testing.T) {
	// SHA-256 of the bytes 01 02 | 00 00 80 3f (1.0f) | 01 | 00.
	got := Hash([][]byte{{1, 2}}, []float32{1}, []bool{true}, []bool{false})
	if want := Hash([][]byte{{1, 2, 0, 0, 0x80, 0x3f, 1, 0}}, nil, nil, nil); got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
	if Hash(nil, nil, nil, nil) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatal("the hash of nothing is not SHA-256 of nothing")
	}
}
