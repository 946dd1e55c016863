package main

import (
	"context"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/site"
)

// streams are where a command reads and writes; tests give buffers.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// factory is what every command takes from outside, built once (GitHub CLI's
// cmdutil.Factory): the streams, and the ways to a site and to a running dev serve.
// Tests give their own.
type factory struct {
	IO      streams
	Version string
	// OpenSite reads the site in a folder.
	OpenSite func(dir string) (*site.Site, error)
	// Client finds the dev serve at url, or the running one of the site in dir.
	Client func(ctx context.Context, url, dir string) (*devapi.Client, error)
}

func newFactory(io streams) *factory {
	return &factory{IO: io, Version: readVersion(debug.ReadBuildInfo()).Version, OpenSite: site.Open, Client: site.Client}
}

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "dev",
		Short: "Netlify Identity and Functions on your machine, as production runs them",
		Long: `dev runs Netlify Identity (a GoTrue-compatible API) and Netlify Functions locally,
so identity event functions can be written, replayed and debugged before deploying.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newCmdServe(f, nil), newCmdVersion(f), newCmdMail(f, nil), newCmdEvents(f), newCmdPayload(f),
		newCmdInvoke(f, nil), newCmdDebug(f), newCmdUsers(f))
	return root
}
