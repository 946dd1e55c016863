package site

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
)

// Preflight says, before the first call fails, what this machine lacks to run the
// site's functions: node for JS and TypeScript, go for Go. Each line says what to do.
func (s *Site) Preflight(functionsFlag string) []string {
	fns, err := s.Functions(functionsFlag)
	if err != nil {
		return nil
	}
	byKind := map[functions.Kind][]string{}
	for _, fn := range fns {
		byKind[fn.Kind] = append(byKind[fn.Kind], fn.Name)
	}
	var out []string
	if names := byKind[functions.KindJS]; len(names) > 0 {
		if err := nodejs.Check(""); err != nil {
			out = append(out, fmt.Sprintf("%s; until then %s cannot run. Install it from https://nodejs.org (or your package manager), then restart dev serve", err, list(names)))
		}
	}
	if names := byKind[functions.KindGo]; len(names) > 0 {
		if _, err := exec.LookPath("go"); err != nil {
			out = append(out, fmt.Sprintf("go is not on PATH; until then %s cannot be built. Install Go from https://go.dev/dl, then restart dev serve", list(names)))
		}
	}
	return out
}

func list(names []string) string {
	sort.Strings(names)
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more functions", strings.Join(names[:3], ", "), len(names)-3)
	}
	if len(names) == 1 {
		return "the function " + names[0]
	}
	return "the functions " + strings.Join(names, ", ")
}
