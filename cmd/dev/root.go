package main

import (
	"io"

	"github.com/spf13/cobra"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// streams are where a command reads and writes, injected so commands test without a terminal.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

func newRootCmd(io streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "dev",
		Short: "Netlify Identity and Functions on your machine, as production runs them",
		Long: `dev runs Netlify Identity (a GoTrue-compatible API) and Netlify Functions locally,
so identity event functions can be written, replayed and debugged before deploying.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newServeCmd(io, nil), newVersionCmd(io), newMailCmd(io), newEventsCmd(io), newPayloadCmd(io), newInvokeCmd(io), newDebugCmd(io))
	return root
}

func newVersionCmd(io streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of dev",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.Out.Write([]byte(version + "\n"))
			return err
		},
	}
}
