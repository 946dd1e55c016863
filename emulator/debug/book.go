package debug

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-delve/delve/service/api"
	"github.com/go-delve/delve/service/rpc2"
)

// book records the breakpoints JSON-RPC clients set, as they asked for them, so that
// they can be set again in the function's next process. DAP clients' breakpoints are
// kept by their own connection (see dapConn), because a DAP session names and
// translates its breakpoints itself and must set them again itself.
type book struct {
	name string

	mu  sync.Mutex
	bps map[int]*recorded
}

// recorded is one breakpoint: what the client asked, with the ID delve gave it, which
// the next process gives it again.
type recorded struct {
	bp      api.Breakpoint
	locExpr string
	subst   [][2]string
	where   string // for messages: main.go:21, main.handler
	missing bool   // it did not resolve in the current process
}

// created records a breakpoint a client created. Where the client gave addresses
// (dlv's CLI resolves a location itself and sends its addresses with the expression
// it typed), the next process needs the location instead: the expression, or the file
// and line delve answered.
func (b *book) created(in rpc2.CreateBreakpointIn, out api.Breakpoint) {
	bp := in.Breakpoint
	bp.ID, bp.Name = out.ID, out.Name
	r := &recorded{locExpr: in.LocExpr, subst: in.SubstitutePathRules}
	switch {
	case bp.File != "" || bp.FunctionName != "":
	case in.LocExpr != "":
		bp.File, bp.Line = "", 0
	case out.File != "" && out.Line > 0:
		bp.File, bp.Line = out.File, out.Line
	default:
		return // an address alone means nothing in another build
	}
	bp.Addr, bp.Addrs, bp.AddrPid = 0, nil, nil
	r.bp = bp
	r.where = describe(out)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bps == nil {
		b.bps = map[int]*recorded{}
	}
	b.bps[bp.ID] = r
}

// amended takes a breakpoint's new condition, hit condition, tracing and enabled
// state; its location stays.
func (b *book) amended(bp api.Breakpoint) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.bps[bp.ID]
	if r == nil {
		return
	}
	r.bp.Name, r.bp.Cond, r.bp.HitCond, r.bp.HitCondPerG = bp.Name, bp.Cond, bp.HitCond, bp.HitCondPerG
	r.bp.Tracepoint, r.bp.TraceReturn, r.bp.Goroutine, r.bp.Stacktrace = bp.Tracepoint, bp.TraceReturn, bp.Goroutine, bp.Stacktrace
	r.bp.Variables, r.bp.LoadArgs, r.bp.LoadLocals = bp.Variables, bp.LoadArgs, bp.LoadLocals
	r.bp.UserData, r.bp.CustomCommands, r.bp.Disabled = bp.UserData, bp.CustomCommands, bp.Disabled
}

// cleared forgets a breakpoint, by ID or else by name.
func (b *book) cleared(id int, name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, r := range b.bps {
		if (id > 0 && k == id) || (id <= 0 && name != "" && r.bp.Name == name) {
			delete(b.bps, k)
		}
	}
}

// missingOne returns a recorded breakpoint that the current process does not have, by
// ID or name: the client may still clear it.
func (b *book) missingOne(id int, name string) *api.Breakpoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, r := range b.bps {
		if r.missing && ((id > 0 && k == id) || (id <= 0 && name != "" && r.bp.Name == name)) {
			bp := r.bp
			return &bp
		}
	}
	return nil
}

func (b *book) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bps = nil
}

// recreate sets the recorded breakpoints in a's process, halted, in the order of
// their IDs (delve's next ID follows the last one given), and says where they were
// set and which no longer resolve. Those are kept: a later build may have the line
// again.
func (b *book) recreate(a *attachment) (set, failed []string) {
	b.mu.Lock()
	recs := make([]*recorded, 0, len(b.bps))
	for _, r := range b.bps {
		recs = append(recs, r)
	}
	b.mu.Unlock()
	sort.Slice(recs, func(i, j int) bool { return recs[i].bp.ID < recs[j].bp.ID })
	for _, r := range recs {
		bp := r.bp
		var got *api.Breakpoint
		err := a.call(func(c *rpc2.RPCClient) error {
			var err error
			got, err = c.CreateBreakpointWithExpr(&bp, r.locExpr, r.subst, false)
			return err
		})
		if err == nil && len(got.Addrs) == 0 {
			err = fmt.Errorf("%q matches no code", r.locExpr)
			id := got.ID
			a.call(func(c *rpc2.RPCClient) error { _, err := c.ClearBreakpoint(id); return err })
		}
		if err == nil && bp.Disabled {
			got.Disabled = true
			amend := *got
			err = a.call(func(c *rpc2.RPCClient) error { return c.AmendBreakpoint(&amend) })
		}
		b.mu.Lock()
		r.missing = err != nil
		b.mu.Unlock()
		if err != nil {
			failed = append(failed, fmt.Sprintf("breakpoint %d at %s no longer resolves in the rebuilt %s (%v); it is kept and set again after the next rebuild",
				r.bp.ID, r.where, b.name, err))
			continue
		}
		set = append(set, describe(*got))
	}
	return set, failed
}

// describe names where a breakpoint is, as a user reads it.
func describe(bp api.Breakpoint) string {
	switch {
	case bp.File != "" && bp.Line > 0:
		return fmt.Sprintf("%s:%d", filepath.Base(bp.File), bp.Line)
	case bp.FunctionName != "":
		return bp.FunctionName
	case bp.Name != "":
		return bp.Name
	}
	return strings.TrimSpace(fmt.Sprintf("breakpoint %d", bp.ID))
}
