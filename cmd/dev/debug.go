package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/site"
)

// DebugOptions are dev debug's.
type DebugOptions struct {
	IO          streams
	Dir         string
	Functions   string
	DebugPort   int
	InspectPort int
}

func newCmdDebug(f *factory) *cobra.Command {
	o := &DebugOptions{IO: f.IO}
	defaults := site.DefaultServeSettings()
	cmd := &cobra.Command{
		Use:   "debug",
		Short: "Print editor configurations for attaching to functions run with dev serve --debug",
		Long: `debug prints what an editor needs to attach to the functions dev serve runs under a
debugger: the addresses come from the running dev serve of the site, or, with no server
running, from the names you give and the default ports, as dev serve --debug would give them.`,
		Example: `  dev debug vscode identity-signup   # a launch.json configuration
  dev debug dlv                      # dlv connect lines for the running dev serve --debug`,
	}
	cmd.PersistentFlags().StringVar(&o.Dir, "dir", ".", "the site's root folder")
	cmd.PersistentFlags().StringVar(&o.Functions, "functions", "", "the functions folder (default as dev serve finds it)")
	cmd.PersistentFlags().IntVar(&o.DebugPort, "debug-port", defaults.DebugPort, "the first delve port, as given to dev serve")
	cmd.PersistentFlags().IntVar(&o.InspectPort, "inspect-port", defaults.InspectPort, "the first Node inspector port, as given to dev serve")
	for _, editor := range []struct{ name, short string }{
		{"vscode", "a launch.json configuration for each debugged function"},
		{"goland", "a GoLand/IntelliJ run configuration for each debugged Go function"},
		{"dlv", "the dlv connect line for each debugged Go function, and Chrome's for JS"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:               editor.name + " [FUNCTION...]",
			Short:             "Print " + editor.short,
			Example:           fmt.Sprintf("  dev debug %s identity-signup\n  dev debug %s --dir examples/demo-site all", editor.name, editor.name),
			ValidArgsFunction: completeFunctions(f, &o.Dir, &o.Functions),
			RunE: func(cmd *cobra.Command, args []string) error {
				s, err := f.OpenSite(o.Dir)
				if err != nil {
					return err
				}
				targets, err := s.DebugTargets(cmd.Context(), args, o.Functions, o.DebugPort, o.InspectPort)
				if err != nil {
					return err
				}
				return printDebugConfig(o.IO, editor.name, targets, s.Dir)
			},
		})
	}
	return cmd
}

func printDebugConfig(io streams, editor string, targets []devapi.DebugTarget, siteDir string) error {
	sort.Slice(targets, func(i, j int) bool { return targets[i].Function < targets[j].Function })
	switch editor {
	case "vscode":
		type substitute struct {
			From string `json:"from"`
			To   string `json:"to"`
		}
		type launch struct {
			Name           string       `json:"name"`
			Type           string       `json:"type"`
			Request        string       `json:"request"`
			Mode           string       `json:"mode,omitempty"`
			Host           string       `json:"host,omitempty"`
			Address        string       `json:"address,omitempty"`
			Port           int          `json:"port"`
			SubstitutePath []substitute `json:"substitutePath,omitempty"`
			Restart        bool         `json:"restart,omitempty"`
			SourceMaps     bool         `json:"sourceMaps,omitempty"`
			SkipFiles      []string     `json:"skipFiles,omitempty"`
			OutFiles       []string     `json:"outFiles,omitempty"`
		}
		configs := []launch{}
		for _, t := range targets {
			host, port := splitAddr(t.Addr)
			if t.Runtime == devapi.RuntimeGo {
				// Functions are built from your files in place, so their paths already match.
				configs = append(configs, launch{Name: "dev: " + t.Function + " (Go)", Type: "go", Request: "attach", Mode: "remote",
					Host: host, Port: port, SubstitutePath: []substitute{{From: "${workspaceFolder}", To: siteDir}}})
				continue
			}
			configs = append(configs, launch{Name: "dev: " + t.Function + " (JS)", Type: "node", Request: "attach",
				Address: host, Port: port, Restart: true, SourceMaps: true,
				SkipFiles: []string{"<node_internals>/**"}, OutFiles: []string{"${workspaceFolder}/.netlify/dev/functions/js/**/*.cjs"}})
		}
		enc := json.NewEncoder(io.Out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Version        string   `json:"version"`
			Configurations []launch `json:"configurations"`
		}{"0.2.0", configs})
	case "goland":
		for _, t := range targets {
			if t.Runtime != devapi.RuntimeGo {
				fmt.Fprintf(io.Out, "<!-- %s is a JS function: in GoLand/WebStorm add an \"Attach to Node.js/Chrome\" configuration on %s -->\n", t.Function, t.Addr)
				continue
			}
			host, port := splitAddr(t.Addr)
			fmt.Fprintf(io.Out, `<component name="ProjectRunConfigurationManager">
  <configuration default="false" name="dev: %s (Go)" type="GoRemoteDebugConfigurationType" factoryName="Go Remote">
    <option name="disconnectOption" value="LEAVE" />
    <option name="host" value="%s" />
    <option name="port" value="%d" />
    <method v="2" />
  </configuration>
</component>
`, t.Function, host, port)
		}
		return nil
	default:
		for _, t := range targets {
			if t.Runtime == devapi.RuntimeGo {
				fmt.Fprintf(io.Out, "dlv connect %s    # %s (%s)\n", t.Addr, t.Function, t.Source)
			} else {
				fmt.Fprintf(io.Out, "chrome://inspect → Configure… → %s    # %s (%s); or node inspect %s\n", t.Addr, t.Function, t.Source, t.Addr)
			}
		}
		return nil
	}
}

func splitAddr(addr string) (string, int) {
	host, portStr, _ := cutLast(addr, ":")
	port, _ := strconv.Atoi(portStr)
	return host, port
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
