package framework

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/term"
)

const (
	// pollEvery is how often Start tries the port.
	pollEvery = 100 * time.Millisecond
	// dialTimeout bounds one try of one address.
	dialTimeout = 500 * time.Millisecond
)

// When Start says it is still waiting: first after firstHint, then every hintEvery.
// Variables so that a test can shorten them.
var (
	firstHint = 5 * time.Second
	hintEvery = 30 * time.Second
)

// targetHosts are where a framework may listen: Node binds "localhost" to ::1 alone on
// some systems (Vite's default), others bind 127.0.0.1 or every address.
var targetHosts = []string{"127.0.0.1", "::1", "localhost"}

// dialTarget reports the first address of targetHosts that accepts a connection on port.
func dialTarget(ctx context.Context, port int) (string, bool) {
	d := net.Dialer{Timeout: dialTimeout}
	for _, host := range targetHosts {
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := c.RemoteAddr().String()
		c.Close()
		return addr, true
	}
	return "", false
}

// waitForPort waits until the target port answers, the command exits, Wait passes or
// ctx ends, saying so in the log while it waits.
func (s *Server) waitForPort(ctx context.Context) (string, error) {
	began := time.Now()
	deadline := time.NewTimer(s.opts.Wait)
	defer deadline.Stop()
	hint := time.NewTimer(firstHint)
	defer hint.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	for {
		if addr, ok := dialTarget(ctx, s.opts.TargetPort); ok {
			return addr, nil
		}
		select {
		case <-s.exited:
			return "", s.exitedError()
		case <-deadline.C:
			return "", s.timeoutError()
		case <-ctx.Done():
			return "", fmt.Errorf("start the framework command %q: %w", s.opts.Command, ctx.Err())
		case <-hint.C:
			s.opts.Log.Event(term.KindServer, logSubject, term.Warn,
				fmt.Sprintf("still waiting for port %d after %s (gives up after %s): is it the port %q listens on?",
					s.opts.TargetPort, time.Since(began).Round(time.Second), s.opts.Wait, s.opts.Command), 0)
			hint.Reset(hintEvery)
		case <-poll.C:
		}
	}
}

func (s *Server) exitedError() error {
	s.out.finish() // its last lines, which say why
	msg := fmt.Sprintf("the framework command %q exited (%s) before port %d answered", s.opts.Command, exitStatus(s.exitErr), s.opts.TargetPort)
	if s.exitErr == nil {
		msg += "; it must keep running while its dev server serves"
	}
	return fmt.Errorf("%s%s\nfix [dev] command in netlify.toml, or run it yourself in %s to see why", msg, lastOutput(s.out.lines()), dirName(s.opts.Dir))
}

func (s *Server) timeoutError() error {
	return fmt.Errorf("port %d did not answer within %s of starting %q in %s%s\nset [dev] targetPort in netlify.toml to the port the framework listens on (its output usually says which), or make the command listen on %d",
		s.opts.TargetPort, s.opts.Wait, s.opts.Command, dirName(s.opts.Dir), lastOutput(s.out.lines()), s.opts.TargetPort)
}

// lastOutput formats the command's last lines for an error, one indented line each.
func lastOutput(lines []string) string {
	if len(lines) == 0 {
		return "; it printed nothing"
	}
	var b strings.Builder
	b.WriteString("; its last output:")
	for _, l := range lines {
		b.WriteString("\n    " + term.Escape(l))
	}
	return b.String()
}
