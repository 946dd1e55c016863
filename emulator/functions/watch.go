package functions

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/identity-dev/dev/emulator/term"
)

// debounce gathers an editor's burst of events (truncate, write, rename) into one batch.
const debounce = 100 * time.Millisecond

// Watch keeps the functions in line with the folder until ctx ends: a changed file
// rebuilds the functions it belongs to, a new function is built and served, a deleted
// one is gone. fsnotify is not recursive and loses the watch of a renamed folder, so
// every batch re-walks the tree, re-adds every folder and rediscovers the functions
// instead of trusting single events.
func (s *Server) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	dir := s.opts.FunctionsDir
	for {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		// No functions folder yet: look again now and then, and start when it appears.
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		if _, err := os.Stat(dir); err == nil {
			s.rescan(ctx, map[string]bool{})
		}
	}
	s.addWatches(w, dir)
	s.watchSources(w, dir)

	changed := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			changed[ev.Name] = true
			timer = time.After(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.opts.Log.Event(term.KindBuild, "watch", term.Warn, err.Error(), 0)
		case <-timer:
			timer = nil
			s.addWatches(w, dir)
			s.rescan(ctx, changed)
			changed = map[string]bool{}
		case <-s.built:
			s.watchSources(w, dir)
		}
	}
}

// addWatches watches dir and every folder below it but node_modules and dot folders.
func (s *Server) addWatches(w *fsnotify.Watcher, dir string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != dir && (name == "node_modules" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		_ = w.Add(path)
		return nil
	})
}

// watchSources watches the folders of the files the last builds read outside dir
// (a shared lib folder, the site's go.mod), within the site: editing one rebuilds the
// functions that use it.
func (s *Server) watchSources(w *fsnotify.Watcher, dir string) {
	s.mu.RLock()
	var files []string
	for _, p := range s.pools {
		p.mu.Lock()
		if p.artifact != nil {
			files = append(files, p.artifact.Files()...)
		}
		p.mu.Unlock()
	}
	s.mu.RUnlock()
	seen := map[string]bool{}
	for _, f := range files {
		folder := filepath.Dir(f)
		if seen[folder] || within(folder, dir) || !within(folder, s.opts.SiteDir) {
			continue
		}
		seen[folder] = true
		_ = w.Add(folder)
	}
}

// within reports whether path is root or below it.
func within(path, root string) bool {
	r, err := filepath.Rel(root, path)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

func (s *Server) rescan(ctx context.Context, changed map[string]bool) {
	d, err := Discover(s.opts.SiteDir, s.opts.FunctionsDir)
	if err != nil {
		s.opts.Log.Event(term.KindBuild, "discover", term.Fail, err.Error(), 0)
		return
	}
	s.apply(ctx, d, changed)
}
