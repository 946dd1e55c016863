package devserver

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

// maxTemplate is the largest mail template read from the site.
const maxTemplate = 1 << 20

// templateTimeout bounds one template fetch: it runs while the identity operation
// holds the store's write transaction.
const templateTimeout = 2 * time.Second

// siteTemplates reads custom mail templates from the site itself, through the same
// rules, publish folder or framework a browser gets, as GoTrue fetches them from the
// site's URL. Files dev never serves (netlify.toml, dotfiles, the functions folder)
// are not read either.
type siteTemplates struct{ server *Server }

func (t *siteTemplates) Fetch(path string) ([]byte, error) {
	site := t.server.site
	if site == nil {
		return nil, fmt.Errorf("this dev serve serves no site (no publish folder, no framework)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), templateTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if u, err := url.Parse(t.server.URL()); err == nil {
		req.Host = u.Host
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("Accept", "text/html")
	w := &capture{header: http.Header{}, status: http.StatusOK}
	site.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		return nil, fmt.Errorf("GET %s answered %d", path, w.status)
	}
	if w.over {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", path, maxTemplate)
	}
	return w.body.Bytes(), nil
}

func (t *siteTemplates) Fallback(kind identity.MailKind, path string, err error) {
	t.server.opts.Log.Event(term.KindMail, string(kind)+" template "+path, term.Warn,
		"not used ("+err.Error()+"): the mail has GoTrue's default template, as production would send", 0)
}

// capture is a ResponseWriter that keeps a bounded body in memory.
type capture struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
	over   bool
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if !c.wrote {
		c.status, c.wrote = status, true
	}
}

func (c *capture) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	if c.body.Len()+len(p) > maxTemplate {
		c.over = true
		return 0, fmt.Errorf("template larger than %d bytes", maxTemplate)
	}
	return c.body.Write(p)
}
