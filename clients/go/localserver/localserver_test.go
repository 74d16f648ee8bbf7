package localserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFindJarHonoursTheEnvironment(t *testing.T) {
	t.Setenv("KINDRED_SERVER_JAR", "/some/where/kindred-server.jar")
	if jar, err := FindJar(); err != nil || jar != "/some/where/kindred-server.jar" {
		t.Fatalf("FindJar: %q, %v", jar, err)
	}
}

// A jar that is not a server ends in an error with java's own output, quickly.
func TestStartFailsWithTheLog(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "not-a-server.jar")
	if err := os.WriteFile(bogus, []byte("not a jar"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := Start(Options{Jar: bogus, StartupTimeout: 60 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("want an 'exited before listening' error, got %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}
