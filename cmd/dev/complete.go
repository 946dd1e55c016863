package main

import (
	"github.com/spf13/cobra"

	"github.com/identity-dev/dev/emulator/payload"
)

// completeFunctions completes the names of the site's functions (the site in --dir,
// the functions folder in --functions).
func completeFunctions(f *factory, dir, functionsFlag *string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		s, err := f.OpenSite(*dir)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		fns, err := s.Functions(*functionsFlag)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := []string{}
		for _, fn := range fns {
			names = append(names, fn.Name+"\t"+string(fn.Kind))
		}
		for _, m := range typedMethods() {
			names = append(names, m+"\tevery function that receives it")
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFixed completes a flag from a fixed list.
func completeFixed(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// typedMethods are the methods of typed identity handlers, which dev invoke and dev
// payload take as names.
func typedMethods() []string {
	return payload.Methods()
}
