package kindred_test

import (
	"fmt"
	"os"
	"testing"

	"kindred.dev/clients/go/localserver"
)

// target is the address of the server the tests use: $KINDRED_TEST_TARGET, else a server
// started here from the repository's jar (env-server/target/kindred-server.jar, or
// $KINDRED_SERVER_JAR) on a free port.
var target string

func TestMain(m *testing.M) {
	target = os.Getenv("KINDRED_TEST_TARGET")
	if target != "" {
		os.Exit(m.Run())
	}
	srv, err := localserver.Start(localserver.Options{Args: []string{"--idle-timeout-s", "120"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kindred tests: cannot start a server:", err)
		os.Exit(1)
	}
	target = srv.Target()
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "server log (tail):\n%s\n", srv.Tail(30))
	}
	srv.Stop()
	os.Exit(code)
}
