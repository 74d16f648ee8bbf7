package kindred_test

import (
	"bytes"
	"context"
	"math/rand"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
)

var ctx = context.Background()

// A 6x5 lattice with two controlled spins (agents) and short episodes.
func latticeConfig() map[string]any {
	return map[string]any{"width": 6, "height": 5, "controlled": []int{0, 7}, "max_steps": 7}
}

func dial(t *testing.T) *kindred.Client {
	t.Helper()
	c, err := kindred.Dial(target, &kindred.Options{Timeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("Dial(%s): %v", target, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func makeEnv(t *testing.T, c *kindred.Client, world string, config map[string]any, copies int, seed uint64, o *kindred.EnvOptions) *kindred.VectorEnv {
	t.Helper()
	env, err := c.MakeVectorEnv(ctx, world, config, copies, seed, o)
	if err != nil {
		t.Fatalf("MakeVectorEnv(%s): %v", world, err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

// must[T](t)(f()) is f's value, or the test's end with f's error.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// ok(t)(env.Step(a)) is the batch, or the test's end with the error.
func ok(t *testing.T) func(*kindred.Batch, error) *kindred.Batch { return must[*kindred.Batch](t) }

func wantCode(t *testing.T, err error, code codes.Code, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %v error, got none", code)
	}
	if got := kindred.Code(err); got != code {
		t.Fatalf("want code %v, got %v: %v", code, got, err)
	}
	if got := status.Code(err); got != code {
		t.Fatalf("status.Code: want %v, got %v", code, got)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not mention %q", err, f)
		}
	}
}

func TestListWorldsAndServerInfo(t *testing.T) {
	c := dial(t)
	info := must[*pb.ServerInfo](t)(c.ServerInfo(ctx))
	if info.Protocol != kindred.Protocol || info.ServerVersion == "" || info.Limits.GetMaxSessions() == 0 {
		t.Fatalf("server info: %v", info)
	}
	worlds := must[[]*pb.WorldInfo](t)(c.ListWorlds(ctx))
	ids := map[string]*pb.WorldInfo{}
	for _, w := range worlds {
		ids[w.Id] = w
	}
	for _, id := range []string{"spin.lattice", "spin.boltzmann", "energy.s3", "energy.room"} {
		w, ok := ids[id]
		if !ok {
			t.Fatalf("world %s not listed (got %d worlds)", id, len(worlds))
		}
		if w.Title == "" || len(w.Parameters) == 0 || w.DefaultConfig == nil {
			t.Fatalf("world %s lacks title/parameters/default config", id)
		}
	}
	if len(info.WorldIds) != len(worlds) {
		t.Fatalf("ServerInfo lists %d worlds, ListWorlds %d", len(info.WorldIds), len(worlds))
	}
}

func TestCreateResetStepClose(t *testing.T) {
	c := dial(t)
	env, err := c.MakeVectorEnv(ctx, "spin.lattice", latticeConfig(), 3, 42, &kindred.EnvOptions{Unary: true})
	if err != nil {
		t.Fatal(err)
	}
	s := env.Spec()
	if s.WorldID != "spin.lattice" || s.NumCopies != 3 || s.NumAgents != 2 || len(s.AgentNames) != 2 {
		t.Fatalf("spec: %+v", s)
	}
	if s.MaxSteps != 7 || s.Autoreset != pb.AutoresetMode_AUTORESET_NEXT_STEP || s.Config["width"] != 6.0 {
		t.Fatalf("spec episode/config: max_steps %d autoreset %v config %v", s.MaxSteps, s.Autoreset, s.Config)
	}
	if len(s.ActionNVec) != 1 || s.ActionNVec[0] != 2 || s.ActionLen() != 6 {
		t.Fatalf("actions: %v", s.ActionNVec)
	}
	seed := uint64(42)
	b := ok(t)(env.Reset(&seed))
	if len(b.Observations) != len(s.Observations) || len(b.Rewards) != 6 || len(b.Terminated) != 3 {
		t.Fatalf("reset batch sizes: %d obs, %d rewards, %d flags", len(b.Observations), len(b.Rewards), len(b.Terminated))
	}
	for _, m := range b.ResetMask {
		if !m {
			t.Fatalf("reset mask after Reset: %v", b.ResetMask)
		}
	}
	rng := rand.New(rand.NewSource(1))
	ended := 0
	for step := 1; step <= 16; step++ {
		b = ok(t)(env.Step(env.SampleActions(rng)))
		if b.SessionStep != uint64(step) {
			t.Fatalf("session_step %d after %d steps", b.SessionStep, step)
		}
		for c := 0; c < 3; c++ {
			if b.Truncated[c] {
				ended++
			}
		}
		for _, e := range b.Episodes {
			if e.Length != 7 || !e.Truncated || len(e.Returns) != 2 {
				t.Fatalf("episode stats: %+v", e)
			}
		}
	}
	if ended != 6 { // steps 7 and 15 end every copy's episode (step 8 autoresets)
		t.Fatalf("want 6 truncations over 16 steps, got %d", ended)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	if env.CloseResponse.GetSessionSteps() != 16 || env.CloseResponse.GetEpisodes() != 6 {
		t.Fatalf("close response: %v", env.CloseResponse)
	}
	if err := env.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	_, err = env.Step(make([]int32, 6))
	wantCode(t, err, codes.NotFound, "closed")
}

// Streaming and unary steps give the same responses, bit for bit.
func TestStreamingEqualsUnary(t *testing.T) {
	c := dial(t)
	for _, world := range []string{"spin.lattice", "energy.s3"} {
		cfg := latticeConfig()
		if world != "spin.lattice" {
			cfg = map[string]any{"max_steps": 9}
		}
		unary := makeEnv(t, c, world, cfg, 2, 7, &kindred.EnvOptions{Unary: true})
		stream := makeEnv(t, c, world, cfg, 2, 7, nil)
		if !stream.Streaming() || unary.Streaming() {
			t.Fatal("Streaming() does not follow EnvOptions.Unary")
		}
		seed := uint64(7)
		bu, bs := ok(t)(unary.Reset(&seed)), ok(t)(stream.Reset(&seed))
		sameBatch(t, world, 0, bu, bs)
		rng := rand.New(rand.NewSource(3))
		for step := 1; step <= 20; step++ {
			a := unary.SampleActions(rng)
			bu, bs = ok(t)(unary.Step(a)), ok(t)(stream.Step(a))
			sameBatch(t, world, step, bu, bs)
		}
	}
}

func sameBatch(t *testing.T, world string, step int, a, b *kindred.Batch) {
	t.Helper()
	ra, rb := a.Response, b.Response
	if !bytes.Equal(ra.Rewards, rb.Rewards) || !bytes.Equal(ra.Terminated, rb.Terminated) ||
		!bytes.Equal(ra.Truncated, rb.Truncated) || !bytes.Equal(ra.ResetMask, rb.ResetMask) ||
		!bytes.Equal(ra.ActionSuccess, rb.ActionSuccess) || ra.SessionStep != rb.SessionStep || len(ra.Episodes) != len(rb.Episodes) {
		t.Fatalf("%s step %d: rewards/flags differ", world, step)
	}
	for i := range a.Observations {
		if !bytes.Equal(a.Observations[i].Raw, b.Observations[i].Raw) {
			t.Fatalf("%s step %d: observation %s differs", world, step, a.Observations[i].Spec.Name)
		}
	}
}

// Per-agent tensors are [copies, agents, *shape], per-copy ones [copies, *shape]: an agent's
// own spin is the lattice spin at its controlled site, in every copy.
func TestDecodePerAgentAndPerCopy(t *testing.T) {
	c := dial(t)
	env := makeEnv(t, c, "spin.lattice", latticeConfig(), 3, 5, nil)
	s := env.Spec()
	own, _ := s.Observation("own_spin")
	spinsSpec, _ := s.Observation("spins")
	nbr, _ := s.Observation("neighbour_spins")
	mag, _ := s.Observation("magnetisation")
	if own == nil || spinsSpec == nil || nbr == nil || mag == nil {
		t.Fatalf("spin.lattice observations: %v", s.Observations)
	}
	if own.Scope != pb.Scope_SCOPE_AGENT || !slices.Equal(own.BatchShape, []int{3, 2}) {
		t.Fatalf("own_spin: %v", own)
	}
	if spinsSpec.Scope != pb.Scope_SCOPE_COPY || !slices.Equal(spinsSpec.BatchShape, []int{3, 30}) {
		t.Fatalf("spins: %v", spinsSpec)
	}
	if !slices.Equal(nbr.BatchShape, []int{3, 2, 4}) || !slices.Equal(mag.BatchShape, []int{3}) {
		t.Fatalf("neighbour_spins %v, magnetisation %v", nbr, mag)
	}
	seed := uint64(5)
	b := ok(t)(env.Reset(&seed))
	rng := rand.New(rand.NewSource(9))
	for step := 0; step < 5; step++ {
		ownSpin := must[[]int8](t)(b.Int8s("own_spin"))
		spins := must[[]int8](t)(b.Int8s("spins"))
		m := must[[]float64](t)(b.Float64s("magnetisation"))
		if len(ownSpin) != 6 || len(spins) != 90 || len(m) != 3 {
			t.Fatalf("decoded lengths %d %d %d", len(ownSpin), len(spins), len(m))
		}
		for cp := 0; cp < 3; cp++ {
			sum := 0.0
			for i := 0; i < 30; i++ {
				v := spins[cp*30+i]
				if v != 1 && v != -1 {
					t.Fatalf("spin %d of copy %d is %d", i, cp, v)
				}
				sum += float64(v)
			}
			if d := sum/30 - m[cp]; d > 1e-9 || d < -1e-9 {
				t.Fatalf("copy %d: magnetisation %v, mean spin %v", cp, m[cp], sum/30)
			}
			for a, site := range []int{0, 7} {
				if ownSpin[cp*2+a] != spins[cp*30+site] {
					t.Fatalf("copy %d agent %d: own spin %d, lattice spin %d", cp, a, ownSpin[cp*2+a], spins[cp*30+site])
				}
			}
		}
		if _, err := b.Float32s("spins"); kindred.Code(err) != codes.InvalidArgument {
			t.Fatalf("Float32s of an int8 tensor: %v", err)
		}
		if _, err := b.Bytes("nope"); kindred.Code(err) != codes.InvalidArgument {
			t.Fatalf("unknown observation: %v", err)
		}
		b = ok(t)(env.Step(env.SampleActions(rng)))
	}
}

// The energy world's spec lists its 22 canonical [action, argument] pairs and names its mask.
func TestValidCombinationsAndActionMask(t *testing.T) {
	c := dial(t)
	env := makeEnv(t, c, "energy.alone", map[string]any{"max_steps": 5}, 2, 3, nil)
	s := env.Spec()
	defined := []int32{1, 2, 4, 1, 9, 1, 1, 3} // noop, move, rotate, use, attack, shield, swap, give
	var want [][]int32
	for a, n := range defined {
		for arg := int32(0); arg < n; arg++ {
			want = append(want, []int32{int32(a), arg})
		}
	}
	if len(s.ValidCombinations) != 22 || len(want) != 22 {
		t.Fatalf("valid combinations: %v", s.ValidCombinations)
	}
	for i := range want {
		if !slices.Equal(s.ValidCombinations[i], want[i]) {
			t.Fatalf("valid combination %d: %v, want %v", i, s.ValidCombinations[i], want[i])
		}
	}
	if s.ActionMaskObservation != "action_mask" || s.FlatActionIndex(7, 2) != 65 {
		t.Fatalf("mask %q, index of [7 2] %d", s.ActionMaskObservation, s.FlatActionIndex(7, 2))
	}
	o, _ := s.Observation(s.ActionMaskObservation)
	if o == nil || o.DType != pb.DType_DTYPE_UINT8 || !slices.Equal(o.BatchShape, []int{2, 1, 72}) {
		t.Fatalf("action_mask: %v", o)
	}
	b := ok(t)(env.Reset(nil))
	mask := must[[]uint8](t)(b.Uint8s(s.ActionMaskObservation))
	for cp := 0; cp < 2; cp++ {
		set := 0
		for _, c := range s.ValidCombinations {
			set += int(mask[cp*72+s.FlatActionIndex(c...)])
		}
		total := 0
		for _, v := range mask[cp*72 : (cp+1)*72] {
			total += int(v)
		}
		if set != 22 || total != 22 {
			t.Fatalf("copy %d: a fresh agent's mask sets %d canonical pairs of %d bits", cp, set, total)
		}
	}
	spin := makeEnv(t, c, "spin.lattice", latticeConfig(), 1, 1, nil).Spec()
	if len(spin.ValidCombinations) != 0 || spin.ActionMaskObservation != "" {
		t.Fatalf("spin.lattice: %v %q", spin.ValidCombinations, spin.ActionMaskObservation)
	}
}

// Sessions with sparse observations decode to exactly the bytes of sessions without.
func TestSparseObservationsEqualRaw(t *testing.T) {
	c := dial(t)
	for _, world := range []string{"energy.s3", "spin.lattice"} {
		cfg := map[string]any{"max_steps": 12}
		if world == "spin.lattice" {
			cfg = latticeConfig()
		}
		sparse := makeEnv(t, c, world, cfg, 2, 11, nil)
		dense := makeEnv(t, c, world, cfg, 2, 11, &kindred.EnvOptions{DenseObservations: true})
		seed := uint64(11)
		bs, bd := ok(t)(sparse.Reset(&seed)), ok(t)(dense.Reset(&seed))
		rng := rand.New(rand.NewSource(4))
		sparseSeen := 0
		for step := 0; step <= 15; step++ {
			for _, tensor := range bd.Response.Observations {
				if tensor.Encoding != pb.TensorEncoding_TENSOR_ENCODING_RAW {
					t.Fatalf("%s: a dense session got %v", world, tensor.Encoding)
				}
			}
			for _, tensor := range bs.Response.Observations {
				if tensor.Encoding == pb.TensorEncoding_TENSOR_ENCODING_SPARSE_BYTES {
					sparseSeen++
				}
			}
			sameBatch(t, world, step, bs, bd)
			a := sparse.SampleActions(rng)
			bs, bd = ok(t)(sparse.Step(a)), ok(t)(dense.Step(a))
		}
		if world == "energy.s3" && sparseSeen == 0 {
			t.Fatal("energy.s3: no observation was ever sent sparse")
		}
	}
}

func TestResetCopiesAndSameStepAutoreset(t *testing.T) {
	c := dial(t)
	env := makeEnv(t, c, "spin.lattice", latticeConfig(), 3, 1,
		&kindred.EnvOptions{Autoreset: pb.AutoresetMode_AUTORESET_SAME_STEP, Observations: []string{"spins", "own_spin"}})
	if len(env.Spec().Observations) != 2 {
		t.Fatalf("requested 2 observations, spec has %v", env.Spec().Observations)
	}
	ok(t)(env.Reset(nil))
	noop := make([]int32, env.Spec().ActionLen())
	ok(t)(env.Step(noop))
	ok(t)(env.Step(noop))
	b := ok(t)(env.ResetCopies(nil, []uint32{1}))
	if b.ResetMask[0] || !b.ResetMask[1] || b.ResetMask[2] {
		t.Fatalf("reset mask after resetting copy 1: %v", b.ResetMask)
	}
	for step := 3; step <= 7; step++ {
		b = ok(t)(env.Step(noop))
	}
	// Copies 0 and 2 end at step 7, copy 1 (reset after step 2) at step 9: same-step
	// autoreset gives the ended copies' final observations besides the new episodes' first.
	if !b.Truncated[0] || b.Truncated[1] || !b.Truncated[2] || !b.ResetMask[0] || b.ResetMask[1] || len(b.FinalObservations) != 2 {
		t.Fatalf("step 7: truncated %v reset %v finals %d", b.Truncated, b.ResetMask, len(b.FinalObservations))
	}
	if len(b.Episodes) != 2 || b.Episodes[0].Length != 7 {
		t.Fatalf("step 7 episodes: %+v", b.Episodes)
	}
}

func TestErrors(t *testing.T) {
	c := dial(t)

	_, err := c.MakeVectorEnv(ctx, "no.such.world", nil, 1, 0, nil)
	wantCode(t, err, codes.NotFound, "unknown world 'no.such.world'", "spin.lattice", "CreateSession")

	_, err = c.MakeVectorEnv(ctx, "spin.lattice", map[string]any{"widht": 6}, 1, 0, nil)
	wantCode(t, err, codes.InvalidArgument, "widht", "unknown configuration key")

	_, err = c.MakeVectorEnv(ctx, "spin.lattice", nil, 0, 0, nil)
	wantCode(t, err, codes.InvalidArgument, "copies must be at least 1")

	for _, unary := range []bool{true, false} {
		env := makeEnv(t, c, "spin.lattice", latticeConfig(), 2, 3, &kindred.EnvOptions{Unary: unary})
		// Stepping before Reset.
		_, err = env.Step(make([]int32, 4))
		wantCode(t, err, codes.FailedPrecondition)
		ok(t)(env.Reset(nil))
		// Checked here, before sending.
		_, err = env.Step(make([]int32, 3))
		wantCode(t, err, codes.InvalidArgument, "actions must have 4 int32 values", "got 3")
		_, err = env.Step([]int32{0, 1, 2, 0})
		wantCode(t, err, codes.InvalidArgument, "must be in [0, 2), got 2")
		// Checked by the server, with its message.
		_, err = env.StepRaw(make([]byte, 12))
		wantCode(t, err, codes.InvalidArgument, "12")
		_, err = env.StepRaw([]byte{0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
		wantCode(t, err, codes.InvalidArgument)
		// A failed request leaves the session as it was (and a stream is reopened).
		b := ok(t)(env.Step(make([]int32, 4)))
		if b.SessionStep != 1 {
			t.Fatalf("unary=%v: session_step %d after failed steps", unary, b.SessionStep)
		}
	}
}

func TestServerDownFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	_, err = kindred.Dial(addr, &kindred.Options{ConnectTimeout: 20 * time.Second})
	wantCode(t, err, codes.Unavailable, addr)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Dial to a closed port took %v", d)
	}
}

// A server that accepts connections but never answers is a time-out, not a hang.
func TestSilentServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	start := time.Now()
	_, err = kindred.Dial(l.Addr().String(), &kindred.Options{ConnectTimeout: 500 * time.Millisecond})
	wantCode(t, err, codes.Unavailable, "waited 500ms")
	// Lazy connection: the call's own deadline applies.
	_, err = kindred.Dial(l.Addr().String(), &kindred.Options{ConnectTimeout: -1, Timeout: 500 * time.Millisecond})
	wantCode(t, err, codes.DeadlineExceeded, "within 500ms")
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("time-outs took %v", d)
	}
}

// A unary Step carries expected_step, so the server keeps its answer: the same Step sent again
// (as a client does after a timeout) is answered again instead of stepping twice. The retry
// comes over a second connection of the same principal (a token): to anyone else the session
// would not exist.
func TestUnaryStepsAreExactlyOnce(t *testing.T) {
	srv, root := secureServer(t)
	opts := &kindred.Options{Timeout: 30 * time.Second, TLSRootCert: root, Token: aliceToken}
	c := must[*kindred.Client](t)(kindred.Dial(srv.Target(), opts))
	defer c.Close()
	env := makeEnv(t, c, "spin.lattice", latticeConfig(), 2, 3, &kindred.EnvOptions{Unary: true})
	ok(t)(env.Reset(nil))
	ok(t)(env.Step(make([]int32, 4)))
	b := ok(t)(env.Step(make([]int32, 4)))
	dialOpts := must[[]grpc.DialOption](t)(opts.DialOptions())
	conn := must[*grpc.ClientConn](t)(grpc.NewClient("passthrough:///"+srv.Target(), dialOpts...))
	defer conn.Close()
	var err error
	stub := pb.NewEnvServiceClient(conn)
	retry := uint64(2)
	r, err := stub.Step(ctx, &pb.StepRequest{SessionId: env.SessionID(), Actions: make([]byte, 16), ExpectedStep: &retry})
	if err != nil {
		t.Fatalf("retry of step 2: %v", err)
	}
	if r.SessionStep != 2 || b.SessionStep != 2 {
		t.Fatalf("retry of step 2 answered step %d (the client's was %d)", r.SessionStep, b.SessionStep)
	}
	if b = ok(t)(env.Step(make([]int32, 4))); b.SessionStep != 3 {
		t.Fatalf("the next step is %d, want 3", b.SessionStep)
	}
	skip := uint64(9)
	_, err = stub.Step(ctx, &pb.StepRequest{SessionId: env.SessionID(), Actions: make([]byte, 16), ExpectedStep: &skip})
	wantCode(t, err, codes.FailedPrecondition, "expects step 9", "at step 3")
}
