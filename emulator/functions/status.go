package functions

import (
	"sort"
	"time"
)

// Status describes one function for the dev API and the dashboard.
type Status struct {
	Name        string     `json:"name"`
	Runtime     Kind       `json:"runtime"`
	Source      string     `json:"source"`
	State       State      `json:"state"`
	Instances   int        `json:"instances"`
	Running     int        `json:"running"`
	LastBuildAt *time.Time `json:"last_build_at,omitempty"`
	LastBuildMS float64    `json:"last_build_ms,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	// Events are the identity events its default export handles (identity_signup, ...).
	Events     []string `json:"events,omitempty"`
	Background bool     `json:"background,omitempty"`
	// Path is config.path: where the function is served instead of /.netlify/functions/NAME.
	Path []string `json:"path,omitempty"`
}

// List describes every function, by name.
func (s *Server) List() []Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Status
	for _, p := range s.pools {
		p.mu.Lock()
		st := Status{
			Name: p.fn.Name, Runtime: p.fn.Kind, Source: rel(s.opts.SiteDir, p.fn.Entry),
			Instances: len(p.idle) + p.running, Running: p.running, LastError: p.lastError,
			Events: p.declared.Events, Background: p.fn.Background() || p.declared.Background, Path: p.declared.Path,
		}
		switch {
		case p.building != nil:
			st.State = StateBuilding
		case p.buildErr != nil:
			st.State = StateFailed
		default:
			st.State = StateReady
		}
		if !p.lastBuild.IsZero() {
			t := p.lastBuild.UTC()
			st.LastBuildAt = &t
			st.LastBuildMS = float64(p.buildTook.Microseconds()) / 1000
		}
		p.mu.Unlock()
		out = append(out, st)
	}
	for name, err := range s.conflicts {
		out = append(out, Status{Name: name, State: StateConflict, LastError: err.Error()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
