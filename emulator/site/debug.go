package site

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/functions"
)

// DebugTargets are where an editor attaches to the functions named (all of them when
// none is): those of the running dev serve --debug of the site, or, with none running,
// the ones dev serve --debug NAME... would give from the first ports goPort and jsPort.
func (s *Site) DebugTargets(ctx context.Context, names []string, functionsFlag string, goPort, jsPort int) ([]devapi.DebugTarget, error) {
	if st := s.Running(ctx); st != nil && len(st.Debug) > 0 {
		return filterTargets(st.Debug, names), nil
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no dev serve --debug runs for %s: name the functions (dev debug vscode identity-signup), or start dev serve --debug NAME first", s.Dir)
	}
	fns, err := s.Functions(functionsFlag)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	var out []devapi.DebugTarget
	for _, fn := range fns {
		if !wanted[fn.Name] && !wanted["all"] {
			continue
		}
		port := &jsPort
		if fn.Kind == functions.KindGo {
			port = &goPort
		}
		rel, _ := filepath.Rel(s.Dir, fn.Entry)
		out = append(out, devapi.DebugTarget{Function: fn.Name, Runtime: fn.Kind, Addr: net.JoinHostPort(devapi.DefaultHost, strconv.Itoa(*port)), Source: rel})
		*port++
		delete(wanted, fn.Name)
	}
	delete(wanted, "all")
	for n := range wanted {
		return nil, s.noFunction(n, functionsFlag)
	}
	return out, nil
}

func filterTargets(all []devapi.DebugTarget, names []string) []devapi.DebugTarget {
	if len(names) == 0 {
		return all
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []devapi.DebugTarget
	for _, t := range all {
		if want[t.Function] {
			out = append(out, t)
		}
	}
	return out
}
