package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/site"
	"github.com/identity-dev/dev/emulator/term"
)

// runCmd runs dev with args as a user would, with buffers for streams.
func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(newFactory(streams{In: strings.NewReader(""), Out: &out, Err: &errb}))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// startServer runs dev serve in process for the site in dir (an empty folder when ""),
// as the composition root builds it, on a free port, until the test ends.
func startServer(t *testing.T, dir string, settle func(*site.ServeSettings)) *devserver.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := site.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	set := site.DefaultServeSettings()
	set.Port = 0
	if settle != nil {
		settle(&set)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, stop, err := s.Serve(ctx, set, term.NewLogger(io.Discard))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; stop() })
	return srv
}
