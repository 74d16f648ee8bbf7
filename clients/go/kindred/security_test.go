package kindred_test

import (
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"kindred.dev/clients/go/kindred"
	pb "kindred.dev/clients/go/kindredv1"
	"kindred.dev/clients/go/localserver"
)

const (
	aliceToken = "alice-token-0123456789abcdef"
	bobToken   = "bob-token-00112233445566778899"
)

// secureServer starts the jar's test-only SecureTestServer: TLS with throw-away certificates it
// makes in a temporary directory, the tokens of Alice and Bob, and a short disconnect grace.
// It returns the server and the PEM file of its certificate.
func secureServer(t *testing.T) (*localserver.Server, string) {
	t.Helper()
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.txt")
	if err := os.WriteFile(tokens, []byte(aliceToken+" alice\n"+bobToken+" bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := localserver.Start(localserver.Options{
		MainClass: "dev.kindred.crosslang.SecureTestServer",
		Args: []string{"--self-signed", filepath.Join(dir, "tls"), "--token-file", tokens,
			"--disconnect-grace-ms", "500"},
	})
	if err != nil {
		t.Fatalf("starting the secure test server: %v", err)
	}
	t.Cleanup(srv.Stop)
	return srv, filepath.Join(dir, "tls", "server.pem")
}

func TestTLSTokensOwnershipAndCleanup(t *testing.T) {
	srv, root := secureServer(t)
	opts := func(token string) *kindred.Options {
		return &kindred.Options{Timeout: 30 * time.Second, TLSRootCert: root, Token: token}
	}

	t.Run("tls and token", func(t *testing.T) {
		c := must[*kindred.Client](t)(kindred.Dial(srv.Target(), opts(aliceToken)))
		defer c.Close()
		env := must[*kindred.VectorEnv](t)(c.MakeVectorEnv(ctx, "spin.lattice", latticeConfig(), 2, 3, nil))
		defer env.Close()
		ok(t)(env.Reset(nil))
		b := ok(t)(env.Step(env.SampleActions(rand.New(rand.NewSource(1)))))
		if b.SessionStep != 1 {
			t.Fatalf("session step %d, want 1", b.SessionStep)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		_, err := kindred.Dial(srv.Target(), opts(""))
		wantCode(t, err, codes.Unauthenticated, "requires a token")
		wrong := "not-a-token-of-this-server-42"
		_, err = kindred.Dial(srv.Target(), opts(wrong))
		wantCode(t, err, codes.Unauthenticated, "not valid on this server")
		if err != nil && regexp.MustCompile(regexp.QuoteMeta(wrong)).MatchString(err.Error()) {
			t.Fatalf("the error repeats the token: %v", err)
		}
		_, err = kindred.Dial(srv.Target(), &kindred.Options{Timeout: 10 * time.Second, Token: aliceToken}) // plaintext
		wantCode(t, err, codes.Unavailable)
		_, err = kindred.Dial(srv.Target(), &kindred.Options{TLSRootCert: filepath.Join(t.TempDir(), "missing.pem")})
		wantCode(t, err, codes.InvalidArgument, "TLSRootCert")
		_, err = kindred.Dial(srv.Target(), &kindred.Options{Token: "has a space"})
		wantCode(t, err, codes.InvalidArgument, "Token must be")
	})

	t.Run("sessions belong to their principal", func(t *testing.T) {
		alice := must[*kindred.Client](t)(kindred.Dial(srv.Target(), opts(aliceToken)))
		defer alice.Close()
		env := must[*kindred.VectorEnv](t)(alice.MakeVectorEnv(ctx, "spin.lattice", latticeConfig(), 1, 1, nil))
		defer env.Close()
		// Bob learned Alice's session id; to him it does not exist.
		dialOpts := must[[]grpc.DialOption](t)(opts(bobToken).DialOptions())
		conn := must[*grpc.ClientConn](t)(grpc.NewClient("passthrough:///"+srv.Target(), dialOpts...))
		defer conn.Close()
		_, err := pb.NewEnvServiceClient(conn).Reset(ctx, &pb.ResetRequest{SessionId: env.SessionID()})
		wantCode(t, err, codes.NotFound, "not found")
		ok(t)(env.Reset(nil)) // Alice's session is untouched
	})

	t.Run("a collected VectorEnv closes its session", func(t *testing.T) {
		c := must[*kindred.Client](t)(kindred.Dial(srv.Target(), opts(aliceToken)))
		defer c.Close()
		id := makeAndDrop(t, c)
		closed := regexp.MustCompile(`session closed .*session="` + id + `"`)
		deadline := time.Now().Add(20 * time.Second)
		for c.OpenSessions() != 0 && time.Now().Before(deadline) {
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
		}
		if _, found := srv.WaitForLog(closed, 10*time.Second); !found {
			t.Fatalf("no 'session closed' for %s; server log:\n%s", id, srv.Tail(20))
		}
	})
}

// makeAndDrop makes a session, steps it over a stream and drops the VectorEnv without Close.
func makeAndDrop(t *testing.T, c *kindred.Client) string {
	t.Helper()
	env := must[*kindred.VectorEnv](t)(c.MakeVectorEnv(ctx, "spin.lattice", latticeConfig(), 1, 1, nil))
	ok(t)(env.Reset(nil))
	ok(t)(env.Step(env.SampleActions(rand.New(rand.NewSource(2)))))
	return env.SessionID()
}
