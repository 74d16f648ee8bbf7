// Package localserver starts a Kindred server in a child process, for tests, examples and
// benchmarks:
//
//	srv, err := localserver.Start(localserver.Options{})   // java -jar kindred-server.jar serve --port 0
//	defer srv.Stop()
//	client, err := kindred.Dial(srv.Target(), nil)
//
// The server picks a free port and logs "listening on HOST:PORT"; the port is parsed from that line.
// Options.MainClass runs another entry point of the jar instead of `serve` (e.g. the test-only
// dev.kindred.crosslang.SecureTestServer, which takes TLS and token settings).
package localserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var listening = regexp.MustCompile(`listening on \S*?:(\d+)`)

// Options of Start. The zero value finds the jar and java on its own.
type Options struct {
	// Jar is the server jar; empty: FindJar().
	Jar string
	// Java is the java command; empty: $JAVA_HOME/bin/java if present, else "java".
	Java string
	// JavaOpts go before -jar (e.g. "-Xmx1g").
	JavaOpts []string
	// Args are extra flags of `serve` (e.g. "--idle-timeout-s", "5"), or of MainClass.
	Args []string
	// MainClass, when set, is run from the jar (java -cp JAR MainClass --host 127.0.0.1 --port 0
	// ARGS...) instead of `serve`.
	MainClass string
	// StartupTimeout bounds the wait for the "listening on" line (default 120 s).
	StartupTimeout time.Duration
}

// Server is a running server process.
type Server struct {
	Port int
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  []string
	done chan struct{}
}

// FindJar returns $KINDRED_SERVER_JAR, else env-server/target/kindred-server.jar of the first
// directory, from the current one upwards, that has one.
func FindJar() (string, error) {
	if j := os.Getenv("KINDRED_SERVER_JAR"); j != "" {
		return j, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		jar := filepath.Join(dir, "env-server", "target", "kindred-server.jar")
		if st, err := os.Stat(jar); err == nil && !st.IsDir() {
			return jar, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kindred-server.jar not found: build it with './kindred build' at the repository root, or set KINDRED_SERVER_JAR")
		}
		dir = parent
	}
}

// Start launches `java -jar JAR serve --host 127.0.0.1 --port 0` and waits until it listens.
func Start(o Options) (*Server, error) {
	jar := o.Jar
	if jar == "" {
		var err error
		if jar, err = FindJar(); err != nil {
			return nil, err
		}
	}
	java := o.Java
	if java == "" {
		java = "java"
		if home := os.Getenv("JAVA_HOME"); home != "" {
			if _, err := os.Stat(filepath.Join(home, "bin", "java")); err == nil {
				java = filepath.Join(home, "bin", "java")
			}
		}
	}
	timeout := o.StartupTimeout
	if timeout <= 0 {
		timeout = 120 * time.Second
	}
	entry := []string{"-jar", jar, "serve"}
	if o.MainClass != "" {
		entry = []string{"-cp", jar, o.MainClass}
	}
	args := append(append(append(append([]string{}, o.JavaOpts...), entry...), "--host", "127.0.0.1", "--port", "0"), o.Args...)
	cmd := exec.Command(java, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	s := &Server{cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Kindred server (%s): %w", java, err)
	}
	found := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log = append(s.log, line)
			if len(s.log) > 400 {
				s.log = s.log[len(s.log)-400:]
			}
			s.mu.Unlock()
			if !sent {
				if m := listening.FindStringSubmatch(line); m != nil {
					port, _ := strconv.Atoi(m[1])
					found <- port
					sent = true
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
		close(s.done)
	}()
	select {
	case port := <-found:
		s.Port = port
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("the Kindred server exited (%v) before listening:\n%s", cmd.ProcessState, s.Tail(40))
	case <-time.After(timeout):
		s.Stop()
		return nil, fmt.Errorf("the Kindred server did not start within %s:\n%s", timeout, s.Tail(40))
	}
}

// Target is "127.0.0.1:PORT".
func (s *Server) Target() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Tail returns the last n lines the server logged.
func (s *Server) Tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := len(s.log) - n
	if from < 0 {
		from = 0
	}
	return strings.Join(s.log[from:], "\n")
}

// WaitForLog waits up to timeout for a log line matching re and returns it ("" and false when
// none came).
func (s *Server) WaitForLog(re *regexp.Regexp, timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		for _, line := range s.log {
			if re.MatchString(line) {
				s.mu.Unlock()
				return line, true
			}
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10 s) and waits for it. Idempotent.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
