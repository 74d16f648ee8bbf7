// Package kindred is the Go client of Kindred, a gym-style reinforcement-learning
// environment server over gRPC (protocol kindred.v1).
//
//	client, err := kindred.Dial("localhost:50051", nil)
//	env, err := client.MakeVectorEnv(ctx, "spin.lattice", map[string]any{"controlled": []int{0, 9}}, 4, 42, nil)
//	batch, err := env.Reset(nil)
//	batch, err = env.Step(env.SampleActions(rng))
//	spins, err := batch.Int8s("neighbour_spins")
//
// Every call has a deadline (Options.Timeout); every failure is an *Error carrying the gRPC
// code and the server's message.
package kindred

//go:generate ../generate.sh

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	pb "kindred.dev/clients/go/kindredv1"
)

// Protocol is the protocol version this client speaks.
const Protocol = "kindred.v1"

// Version of this client.
const Version = "0.1.0"

// Options of Dial. A nil *Options takes every default.
type Options struct {
	// Timeout is the deadline of every call, and of every step of a stream (default 60 s;
	// negative: no deadline).
	Timeout time.Duration
	// ConnectTimeout bounds the wait for the server when dialling (default 10 s; negative:
	// connect lazily, on the first call). A server that is down fails fast with codes.Unavailable.
	ConnectTimeout time.Duration
	// SkipVerify skips the protocol check (GetServerInfo) on connect.
	SkipVerify bool
	// ClientName is sent with every session, for the server's logs (default "kindred-go").
	ClientName string
}

// Client is a connection to a Kindred server (one gRPC channel); safe for concurrent use.
type Client struct {
	target     string
	timeout    time.Duration
	clientName string
	conn       *grpc.ClientConn
	stub       pb.EnvServiceClient

	mu     sync.Mutex
	envs   map[*VectorEnv]struct{}
	closed bool
}

// Dial connects to the server at target ("host:port"), waiting at most ConnectTimeout, and
// checks that it speaks kindred.v1.
func Dial(target string, opts *Options) (*Client, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.ClientName == "" {
		o.ClientName = "kindred-go"
	}
	if strings.TrimSpace(target) == "" {
		return nil, newError(codes.InvalidArgument, "", target, `target must be "host:port", got %q`, target)
	}
	dialTarget := target
	if !strings.Contains(target, "://") {
		dialTarget = "passthrough:///" + target // host:port as is, no DNS resolver round
	}
	conn, err := grpc.NewClient(dialTarget,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUserAgent("kindred-go/"+Version),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<31-1), grpc.MaxCallSendMsgSize(1<<31-1)),
	)
	if err != nil {
		return nil, newError(codes.InvalidArgument, "", target, "cannot dial %q: %v", target, err)
	}
	c := &Client{target: target, timeout: o.Timeout, clientName: o.ClientName, conn: conn,
		stub: pb.NewEnvServiceClient(conn), envs: map[*VectorEnv]struct{}{}}
	if o.ConnectTimeout > 0 {
		if err := c.waitReady(o.ConnectTimeout); err != nil {
			conn.Close()
			return nil, err
		}
	}
	if !o.SkipVerify {
		info, err := c.ServerInfo(context.Background())
		if err != nil {
			conn.Close()
			return nil, err
		}
		if info.Protocol != "" && info.Protocol != Protocol {
			conn.Close()
			return nil, newError(codes.FailedPrecondition, "GetServerInfo", target,
				"the server at %s speaks protocol '%s' (server %s); this client speaks '%s'",
				target, info.Protocol, info.ServerVersion, Protocol)
		}
	}
	return c, nil
}

// waitReady waits until the channel is connected. A refused connection fails at once (fail
// fast); a silent one after the timeout.
func (c *Client) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c.conn.Connect()
	for {
		s := c.conn.GetState()
		switch s {
		case connectivity.Ready:
			return nil
		case connectivity.TransientFailure, connectivity.Shutdown:
			return newError(codes.Unavailable, "", c.target,
				"no Kindred server answers at %s (is it running? start one with './kindred serve')", c.target)
		}
		if !c.conn.WaitForStateChange(ctx, s) {
			return newError(codes.Unavailable, "", c.target,
				"no Kindred server answers at %s (waited %s; is it running? start one with './kindred serve')", c.target, timeout)
		}
	}
}

// Target is the server address.
func (c *Client) Target() string { return c.target }

// Timeout is the deadline of every call.
func (c *Client) Timeout() time.Duration { return c.timeout }

func (c *Client) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c.timeout > 0 {
		return context.WithTimeout(ctx, c.timeout)
	}
	return context.WithCancel(ctx)
}

func (c *Client) checkOpen(method string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return newError(codes.FailedPrecondition, method, c.target, "this Client has been closed")
	}
	return nil
}

// ServerInfo returns the server's version, protocol, limits and world ids.
func (c *Client) ServerInfo(ctx context.Context) (*pb.ServerInfo, error) {
	if err := c.checkOpen("GetServerInfo"); err != nil {
		return nil, err
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := c.stub.GetServerInfo(ctx, &pb.GetServerInfoRequest{})
	if err != nil {
		return nil, fromRPC(err, "GetServerInfo", c.target, c.timeout)
	}
	return r, nil
}

// ListWorlds returns every world the server hosts (id, title, description, parameters,
// default configuration).
func (c *Client) ListWorlds(ctx context.Context) ([]*pb.WorldInfo, error) {
	if err := c.checkOpen("ListWorlds"); err != nil {
		return nil, err
	}
	ctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := c.stub.ListWorlds(ctx, &pb.ListWorldsRequest{})
	if err != nil {
		return nil, fromRPC(err, "ListWorlds", c.target, c.timeout)
	}
	return r.Worlds, nil
}

// EnvOptions of MakeVectorEnv. A nil *EnvOptions takes every default.
type EnvOptions struct {
	// Autoreset mode (default pb.AutoresetMode_AUTORESET_NEXT_STEP).
	Autoreset pb.AutoresetMode
	// Observations to return, by name; empty: all of them.
	Observations []string
	// Unary sends every step as its own Step call instead of over one StepStream (the default,
	// faster). The client's timeout applies to each step either way.
	Unary bool
	// DenseObservations refuses the sparse encoding: by default the server may send mostly-zero
	// observations as their nonzero bytes (decoded here; the values are the same).
	DenseObservations bool
}

// MakeVectorEnv creates a session of `copies` copies of a world (Reset it before stepping).
// config holds the world's parameters (see ListWorlds); absent keys take their defaults. Any
// value encoding/json can marshal is accepted (numbers, strings, bools, slices, nested slices).
func (c *Client) MakeVectorEnv(ctx context.Context, worldID string, config map[string]any, copies int, seed uint64, opts *EnvOptions) (*VectorEnv, error) {
	const method = "CreateSession"
	if err := c.checkOpen(method); err != nil {
		return nil, err
	}
	o := EnvOptions{}
	if opts != nil {
		o = *opts
	}
	if copies < 1 {
		return nil, newError(codes.InvalidArgument, method, c.target, "copies must be at least 1, got %d", copies)
	}
	cfg, err := toStruct(config)
	if err != nil {
		return nil, newError(codes.InvalidArgument, method, c.target, "config: %v", err)
	}
	autoreset := o.Autoreset
	if autoreset == pb.AutoresetMode_AUTORESET_MODE_UNSPECIFIED {
		autoreset = pb.AutoresetMode_AUTORESET_NEXT_STEP
	}
	req := &pb.CreateSessionRequest{
		WorldId:            worldID,
		Config:             cfg,
		NumCopies:          uint32(copies),
		Seed:               seed,
		Autoreset:          autoreset,
		Observations:       o.Observations,
		ClientName:         c.clientName,
		SparseObservations: !o.DenseObservations,
	}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := c.stub.CreateSession(cctx, req)
	if err != nil {
		return nil, fromRPC(err, method, c.target, c.timeout)
	}
	spec, err := newSpec(r.Spec)
	if err != nil {
		return nil, err
	}
	env := &VectorEnv{client: c, sessionID: r.SessionId, spec: spec, streaming: !o.Unary}
	c.mu.Lock()
	c.envs[env] = struct{}{}
	c.mu.Unlock()
	return env, nil
}

func (c *Client) forget(env *VectorEnv) {
	c.mu.Lock()
	delete(c.envs, env)
	c.mu.Unlock()
}

// Close closes every session still open through this client (best effort), then the channel.
// Idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	envs := make([]*VectorEnv, 0, len(c.envs))
	for e := range c.envs {
		envs = append(envs, e)
	}
	c.mu.Unlock()
	for _, e := range envs {
		_ = e.Close()
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.conn.Close()
}

// toStruct converts a configuration to a protobuf Struct through JSON, so that typed slices
// ([]int, [][]float64) work as well as []any.
func toStruct(config map[string]any) (*structpb.Struct, error) {
	if config == nil {
		return &structpb.Struct{}, nil
	}
	raw, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		return nil, fmt.Errorf("%v", err)
	}
	return s, nil
}
