package identity_test

import (
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
)

// The rules as production applies them: the functions each event reaches, the
// X-Netlify-Event header, whether a failure blocks, and whether the answer counts.
func TestEventRules(t *testing.T) {
	tests := []struct {
		event              identity.Event
		functions          []string
		netlifyEvent       string
		blocking, answered bool
		operation          string
	}{
		{identity.EventValidate, []string{"identity-validate", "identity-validate-background"}, "identity_validate", true, true, "signup"},
		{identity.EventSignup, []string{"identity-signup", "identity-signup-background"}, "identity_signup", true, true, "confirmation"},
		{identity.EventLogin, []string{"identity-login", "identity-login-background"}, "identity_login", true, true, "login"},
		{identity.EventUserModified, []string{"identity-usermodified", "identity-usermodified-background"}, "identity_usermodified", false, true, "user update"},
		{identity.EventUserDeleted, []string{"identity-userdeleted", "identity-userdeleted-background"}, "identity_userdeleted", false, false, "user deletion"},
	}
	if len(identity.Events) != len(tests) {
		t.Fatalf("Events has %d rules, want %d", len(identity.Events), len(tests))
	}
	for _, tt := range tests {
		t.Run(string(tt.event), func(t *testing.T) {
			r, ok := identity.RuleOf(tt.event)
			if !ok {
				t.Fatalf("RuleOf(%q): no rule", tt.event)
			}
			if got := r.Functions(); len(got) != 2 || got[0] != tt.functions[0] || got[1] != tt.functions[1] {
				t.Errorf("Functions() = %v, want %v", got, tt.functions)
			}
			if r.NetlifyEvent != tt.netlifyEvent || r.Blocking != tt.blocking || r.Answered != tt.answered || r.Operation != tt.operation {
				t.Errorf("rule %+v, want header %s, blocking %v, answered %v, operation %q", r, tt.netlifyEvent, tt.blocking, tt.answered, tt.operation)
			}
			for _, fn := range tt.functions {
				if e, ok := identity.EventOfFunction(fn); !ok || e != tt.event {
					t.Errorf("EventOfFunction(%q) = %q, %v; want %q", fn, e, ok, tt.event)
				}
			}
		})
	}
}

func TestEventOfFunctionRefusesOtherNames(t *testing.T) {
	for _, name := range []string{"", "hello", "identity-", "identity-signups", "identity_signup", "signup", "identity-signup-background-background", "my-identity-login", "identity-background"} {
		if e, ok := identity.EventOfFunction(name); ok {
			t.Errorf("EventOfFunction(%q) = %q, want none", name, e)
		}
	}
	if r, ok := identity.RuleOf("refresh"); ok {
		t.Errorf("RuleOf(refresh) = %+v, want none", r)
	}
}

// Production's webhook.retries and webhook.timeout_sec.
func TestHookLimits(t *testing.T) {
	if identity.HookAttempts != 3 || identity.HookTimeout != 5*time.Second {
		t.Fatalf("HookAttempts %d, HookTimeout %s; production makes 3 attempts of 5s", identity.HookAttempts, identity.HookTimeout)
	}
}
