package main

import (
	"github.com/spf13/cobra"
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
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFixed completes a flag from a fixed list.
func completeFixed(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}
