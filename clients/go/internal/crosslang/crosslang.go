// Package crosslang holds the two halves of Kindred's cross-language determinism contract (see
// clients/python/kindred/crosslang.py, the reference) that the Go participants share: the action
// formula and the per-step hash. cmd/trajectory-hash plays a whole session with them,
// cmd/seat-brain one seat of a match.
package crosslang

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"

	"kindred.dev/clients/go/kindred"
)

// Actions fills out (int32 [copies, len(agents), len(nvec)]) with the contract's actions for
// step t (1-based): (t*7919 + c*104729 + a*1299709 + d*15485863 + 12345) mod nvec[d] in 64-bit
// integers, where a is the WORLD index of the agent (agents[j] for the j-th agent of a seat;
// 0..n-1 for a whole session).
func Actions(out []int32, t int64, copies int, agents []int, nvec []int32) {
	i := 0
	for c := int64(0); c < int64(copies); c++ {
		for _, a := range agents {
			for d, n := range nvec {
				v := t*7919 + c*104729 + int64(a)*1299709 + int64(d)*15485863 + 12345
				out[i] = int32(v % int64(n))
				i++
			}
		}
	}
}

// AllAgents is 0..n-1: the agents of a whole session.
func AllAgents(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Hash is the contract's hash of one batch: SHA-256 of every observation's packed
// little-endian bytes (in spec order), then the rewards (float32 LE, [copies, agents]), then
// terminated and truncated (one byte 0/1 per copy).
func Hash(observations [][]byte, rewards []float32, terminated, truncated []bool) string {
	h := sha256.New()
	for _, raw := range observations {
		h.Write(raw)
	}
	var buf [4]byte
	for _, r := range rewards {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(r))
		h.Write(buf[:])
	}
	for _, flags := range [][]bool{terminated, truncated} {
		for _, f := range flags {
			if f {
				h.Write([]byte{1})
			} else {
				h.Write([]byte{0})
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BatchHash is Hash of a decoded batch, its observations in the spec's order.
func BatchHash(spec *kindred.Spec, b *kindred.Batch) (string, error) {
	obs := make([][]byte, len(spec.Observations))
	for i, o := range spec.Observations {
		raw, err := b.Bytes(o.Name)
		if err != nil {
			return "", err
		}
		obs[i] = raw
	}
	return Hash(obs, b.Rewards, b.Terminated, b.Truncated), nil
}
