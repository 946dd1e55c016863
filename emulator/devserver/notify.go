package devserver

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// notifier tells the dashboard's open pages that something changed: users, mail, the
// journal. Each page has a small queue; a page too slow to take its news is told to
// fetch everything again instead of growing a queue.
type notifier struct {
	mu   sync.Mutex
	subs map[chan string]struct{}
	done chan struct{}
}

func newNotifier() *notifier {
	return &notifier{subs: map[chan string]struct{}{}, done: make(chan struct{})}
}

// notify tells every page that kind changed ("users", "mail", "events").
func (n *notifier) notify(kind string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- kind:
		default:
			// Full: drop the oldest news and say "all", which makes the page refetch.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- "all":
			default:
			}
		}
	}
}

func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case <-n.done:
	default:
		close(n.done)
	}
}

// GET /.netlify/dev/api/stream: server-sent events, one `event: users|mail|events|all`
// per change, and a comment every 15 s to keep the connection open. It ends when the
// client goes or dev serve stops.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "this connection cannot stream"})
		return
	}
	n := s.news
	ch := make(chan string, 16)
	n.mu.Lock()
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	flusher.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case kind := <-ch:
			fmt.Fprintf(w, "event: %s\ndata: {}\n\n", kind)
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-r.Context().Done():
			return
		case <-n.done:
			return
		}
		flusher.Flush()
	}
}
