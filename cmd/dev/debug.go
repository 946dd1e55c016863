package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/config"
	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/functions"
)

type debugOptions struct {
	io          streams
	Dir         string
	Functions   string
	DebugPort   int
	InspectPort int
}

func newDebugCmd(io streams) *cobra.Command {
	o := &debugOptions{io: io}
	cmd := &cobra.Command{
		Use:   "debug",
		Short: "Print editor configurations for attaching to functions run with dev serve --debug",
		Long: `debug prints what an editor needs to attach to the functions dev serve runs under a
debugger: the addresses come from the running dev serve of the site (.netlify/dev/state.json),
or, with no server running, from the names you give and the default ports, as dev serve --debug
would give them.`,
	}
	cmd.PersistentFlags().StringVar(&o.Dir, "dir", ".", "the site's root folder")
	cmd.PersistentFlags().StringVar(&o.Functions, "functions", "", "the functions folder (default as dev serve finds it)")
	cmd.PersistentFlags().IntVar(&o.DebugPort, "debug-port", devserver.DefaultDebugPort, "the first delve port, as given to dev serve")
	cmd.PersistentFlags().IntVar(&o.InspectPort, "inspect-port", devserver.DefaultInspectPort, "the first Node inspector port, as given to dev serve")
	for _, editor := range []struct{ name, short string }{
		{"vscode", "a launch.json configuration for each debugged function"},
		{"goland", "a GoLand/IntelliJ run configuration for each debugged Go function"},
		{"dlv", "the dlv connect line for each debugged Go function, and Chrome's for JS"},
	} {
		editor := editor
		cmd.AddCommand(&cobra.Command{
			Use:   editor.name + " [FUNCTION...]",
			Short: "Print " + editor.short,
			RunE: func(cmd *cobra.Command, args []string) error {
				targets, site, err := o.targets(args)
				if err != nil {
					return err
				}
				return printDebugConfig(o.io, editor.name, targets, site)
			},
		})
	}
	return cmd
}

// targets are the running server's debug targets, or the ones dev serve --debug NAME...
// would give with the default ports.
func (o *debugOptions) targets(names []string) ([]devserver.DebugTarget, string, error) {
	siteDir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, "", err
	}
	if st, err := devserver.ReadState(siteDir); err == nil && len(st.Debug) > 0 && serverAnswers(context.Background(), st.URL) {
		return filterTargets(st.Debug, names), siteDir, nil
	}
	if len(names) == 0 {
		return nil, "", fmt.Errorf("no dev serve --debug runs for %s: name the functions (dev debug vscode identity-signup), or start dev serve --debug NAME first", siteDir)
	}
	site, err := config.Load(siteDir)
	if err != nil {
		return nil, "", err
	}
	d, err := functions.Discover(siteDir, site.FunctionsDir(siteDir, o.Functions))
	if err != nil {
		return nil, "", err
	}
	goPort, jsPort := o.DebugPort, o.InspectPort
	var out []devserver.DebugTarget
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	for _, fn := range d.Functions {
		if !wanted[fn.Name] && !wanted["all"] {
			continue
		}
		port := &jsPort
		if fn.Kind == functions.KindGo {
			port = &goPort
		}
		rel, _ := filepath.Rel(siteDir, fn.Entry)
		out = append(out, devserver.DebugTarget{Function: fn.Name, Runtime: fn.Kind, Addr: "127.0.0.1:" + strconv.Itoa(*port), Source: rel})
		*port++
		delete(wanted, fn.Name)
	}
	delete(wanted, "all")
	for n := range wanted {
		return nil, "", fmt.Errorf("no function %q in %s", n, site.FunctionsDir(siteDir, o.Functions))
	}
	return out, siteDir, nil
}

func filterTargets(all []devserver.DebugTarget, names []string) []devserver.DebugTarget {
	if len(names) == 0 {
		return all
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []devserver.DebugTarget
	for _, t := range all {
		if want[t.Function] {
			out = append(out, t)
		}
	}
	return out
}

func printDebugConfig(io streams, editor string, targets []devserver.DebugTarget, siteDir string) error {
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
			if t.Runtime == functions.KindGo {
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
			if t.Runtime != functions.KindGo {
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
			if t.Runtime == functions.KindGo {
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
