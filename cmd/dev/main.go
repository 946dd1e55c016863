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
	"github.com/identity-dev/dev/emulator/term"
)

func main() {
	// dev re-runs itself as delve's helper for --debug Go functions: that process must
	// do nothing else.
	debug.HelperMain()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// What commands print as text (bodies, addresses, mail) reaches the terminal with
	// its control characters escaped; the log escapes its own fields.
	root := newRootCmd(newFactory(streams{In: os.Stdin, Out: term.TextWriter(os.Stdout), Err: os.Stderr}))
	if err := root.ExecuteContext(ctx); err != nil {
		var exit *exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code) // the output already said why
		}
		fmt.Fprintln(os.Stderr, "dev:", term.EscapeText(err.Error()))
		os.Exit(1)
	}
}
