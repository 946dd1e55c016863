package site

import (
	"context"

	"github.com/identity-dev/dev/emulator/devapi"
)

// Running is the newest dev serve of the site that answers, or nil.
func (s *Site) Running(ctx context.Context) *devapi.State {
	states, err := devapi.ReadStates(s.Dir)
	if err != nil {
		return nil
	}
	for _, st := range states {
		if c, err := devapi.NewClient(st.URL); err == nil && c.Answers(ctx) {
			return st
		}
	}
	return nil
}

// Client is a client of the dev serve at url; with no url, of the site's running dev
// serve (dir names the site), else of the default address.
func Client(ctx context.Context, url, dir string) (*devapi.Client, error) {
	if url != "" {
		return devapi.NewClient(url)
	}
	if s, err := Open(dir); err == nil {
		if st := s.Running(ctx); st != nil {
			return devapi.NewClient(st.URL)
		}
	} else if dir != "." {
		return nil, err
	}
	return devapi.NewClient(devapi.DefaultURL)
}
