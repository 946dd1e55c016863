package suggest

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"identity-signup", "identity-login", "hello"}
	for in, want := range map[string]string{"identity-sigup": "identity-signup", "identty-login": "identity-login", "helo": "hello", "zzz": "", "identity-validate": ""} {
		if got := Nearest(in, names); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
