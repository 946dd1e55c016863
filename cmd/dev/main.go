// Command dev runs Netlify Identity and Netlify Functions on a developer's machine,
// the way production runs them.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/identity-dev/dev/emulator/debug"
)

func main() {
	// dev re-runs itself as delve's helper for --debug Go functions: that process must
	// do nothing else.
	debug.HelperMain()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	if err := root.ExecuteContext(ctx); err != nil {
		var exit *exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code) // the output already said why
		}
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}
