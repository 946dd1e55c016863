package debug

import "testing"

func TestUnsupportedGo(t *testing.T) {
	for v, bad := range map[string]bool{
		"go1.24.9":   true,
		"go1.25rc1":  false, // a release candidate of a supported minor
		"go1.25.0":   false,
		"go1.26.8":   false,
		"go1.27.3":   false,
		"go1.28rc2":  true,
		"go1.28.0":   true,
		"devel +abc": false, // unknown: no warning
		"not-a-ver":  false,
	} {
		if got := unsupportedGo(v) != ""; got != bad {
			t.Errorf("unsupportedGo(%q) = %q, want a warning: %v", v, unsupportedGo(v), bad)
		}
	}
}
