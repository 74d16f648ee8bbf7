// Package kindred is the Go client of Kindred, a gym-style reinforcement-learning
// environment server over gRPC (protocol kindred.v1).
//
//	client, err := kindred.Dial("localhost:50051", nil)
//	env, err := client.MakeVectorEnv(ctx, "spin.lattice", map[string]any{"controlled": []int{0, 9}}, 4, 42, nil)
//	batch, err := env.Reset(nil)
//	batch, err = env.Step(env.SampleActions(rng))
//	spins, err := batch.Int8s("neighbour_spins")
//
// A match drives one world's agents from several controllers: CreateMatch partitions them into
// seats, each controller takes one with JoinSeat and steps it as a SeatEnv (see the README's
// "Matches").
//
// Every call has a deadline (Options.Timeout); every failure is an *Error carrying the gRPC
// code and the server's message.
package kindred

//go:generate ../generate.sh

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
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
	// TLS connects over TLS, verifying the server against the system's trusted authorities
	// (implied by TLSRootCert and TLSClientCert).
	TLS bool
	// TLSRootCert is a PEM file of the authority that issued the server's certificate (or the
	// server's self-signed certificate itself).
	TLSRootCert string
	// TLSClientCert and TLSClientKey are a PEM certificate and its key, presented to a server that
	// requires client certificates.
	TLSClientCert, TLSClientKey string
	// TLSConfig, when set, is used as it is (the other TLS options are then ignored).
	TLSConfig *tls.Config
	// Token is sent with every call as "authorization: Bearer <token>", for a server with token
	// authentication. Without TLS it travels in the clear: use it so only on loopback or a
	// trusted network.
	Token string
}

// Client is a connection to a Kindred server (one gRPC channel); safe for concurrent use.
type Client struct {
	target     string
	timeout    time.Duration
	clientName string
	conn       *grpc.ClientConn
	stub       pb.EnvServiceClient

	mu sync.Mutex
	// The sessions made here and not closed yet, by lease: not by VectorEnv, so that an
	// unreachable VectorEnv can be collected (and its session closed by its cleanup).
	leases map[*lease]struct{}
	// The seats of matches joined here and not left yet.
	seats  map[*SeatEnv]struct{}
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
	dialOpts, err := o.dialOptions(target)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(dialTarget, dialOpts...)
	if err != nil {
		return nil, newError(codes.InvalidArgument, "", target, "cannot dial %q: %v", target, err)
	}
	c := &Client{target: target, timeout: o.Timeout, clientName: o.ClientName, conn: conn,
		stub: pb.NewEnvServiceClient(conn), leases: map[*lease]struct{}{}, seats: map[*SeatEnv]struct{}{}}
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

// DialOptions returns the gRPC dial options these Options stand for (transport credentials and
// the bearer token), for other gRPC clients of the same server, e.g. a dm_env_rpc client.
func (o *Options) DialOptions() ([]grpc.DialOption, error) {
	return o.dialOptions("")
}

// tokenChars are RFC 6750's token characters; anything else cannot travel in the header.
var tokenChars = regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`)

func (o *Options) dialOptions(target string) ([]grpc.DialOption, error) {
	creds, err := o.transportCredentials(target)
	if err != nil {
		return nil, err
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithUserAgent("kindred-go/" + Version),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<31-1), grpc.MaxCallSendMsgSize(1<<31-1)),
	}
	if o.Token != "" {
		if !tokenChars.MatchString(o.Token) {
			return nil, newError(codes.InvalidArgument, "", target,
				"Token must be made of A-Z a-z 0-9 - . _ ~ + / (with '=' padding at its end); got %d characters that are not", len(o.Token))
		}
		opts = append(opts, grpc.WithPerRPCCredentials(bearerToken(o.Token)))
	}
	return opts, nil
}

func (o *Options) transportCredentials(target string) (credentials.TransportCredentials, error) {
	if o.TLSConfig != nil {
		return credentials.NewTLS(o.TLSConfig), nil
	}
	if !o.TLS && o.TLSRootCert == "" && o.TLSClientCert == "" {
		return insecure.NewCredentials(), nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.TLSRootCert != "" {
		pem, err := os.ReadFile(o.TLSRootCert)
		if err != nil {
			return nil, newError(codes.InvalidArgument, "", target, "cannot read TLSRootCert: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, newError(codes.InvalidArgument, "", target, "TLSRootCert %s holds no PEM certificate", o.TLSRootCert)
		}
	}
	if o.TLSClientCert != "" || o.TLSClientKey != "" {
		pair, err := tls.LoadX509KeyPair(o.TLSClientCert, o.TLSClientKey)
		if err != nil {
			return nil, newError(codes.InvalidArgument, "", target, "cannot use TLSClientCert/TLSClientKey: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(cfg), nil
}

// bearerToken sends "authorization: Bearer <token>" with every call. It does not require
// transport security, so that a loopback server with tokens works without TLS too.
type bearerToken string

func (t bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(t)}, nil
}

func (bearerToken) RequireTransportSecurity() bool { return false }

// String never shows the token.
func (bearerToken) String() string { return "bearerToken(***)" }

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
	// FirstCopy is the global index of this session's copy 0 when it is one shard of an
	// environment spread over several servers (see NewShardedVectorEnv): its copy k plays the
	// episodes copy FirstCopy+k plays on one server. Zero otherwise.
	FirstCopy uint32
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
		FirstCopy:          o.FirstCopy,
	}
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	r, err := c.stub.CreateSession(cctx, req)
	if err != nil {
		return nil, fromRPC(err, method, c.target, c.timeout)
	}
	spec, err := newSpec(r.Spec, method)
	if err != nil {
		return nil, err
	}
	env := newVectorEnv(c, r.SessionId, spec, !o.Unary)
	c.mu.Lock()
	c.leases[env.lease] = struct{}{}
	c.mu.Unlock()
	return env, nil
}

func (c *Client) forget(l *lease) {
	c.mu.Lock()
	delete(c.leases, l)
	c.mu.Unlock()
}

// OpenSessions is the number of sessions made through this client and not closed yet.
func (c *Client) OpenSessions() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.leases)
}

// Close leaves every seat held through this client and closes every session (and match) still
// open through it (best effort), then the channel. Idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	leases := make([]*lease, 0, len(c.leases))
	for l := range c.leases {
		leases = append(leases, l)
	}
	seats := make([]*SeatEnv, 0, len(c.seats))
	for s := range c.seats {
		seats = append(seats, s)
	}
	c.mu.Unlock()
	for _, s := range seats {
		_ = s.Leave()
	}
	for _, l := range leases {
		_, _ = l.close()
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
