package debug

import (
	"testing"
	"time"
)

// debuggers are the two ways dev debugs a Go function: the delve built into dev, and
// an installed dlv (GoOptions.Dlv), built only when its benchmark runs.
var debuggers = []struct {
	name string
	dlv  func(testing.TB) string
}{
	{"delve", func(testing.TB) string { return "" }},
	{"dlv", installDlv},
}

// BenchmarkAttach measures what a (re)start of a debugged function costs before it
// serves again: attaching a debugger to the process and letting it run, then letting go.
func BenchmarkAttach(b *testing.B) {
	for _, d := range debuggers {
		b.Run(d.name, func(b *testing.B) {
			in := startHello(b)
			s := NewGoSession(GoOptions{Name: "hello", Addr: "127.0.0.1:0", Dlv: d.dlv(b)})
			defer s.Close()
			var attach, detach time.Duration
			for b.Loop() {
				start := time.Now()
				attachOrSkip(b, s, in.Pid())
				attach += time.Since(start)
				start = time.Now()
				if err := s.Detach(); err != nil {
					b.Fatal(err)
				}
				detach += time.Since(start)
			}
			b.ReportMetric(float64(attach.Milliseconds())/float64(b.N), "attach-ms/op")
			b.ReportMetric(float64(detach.Milliseconds())/float64(b.N), "detach-ms/op")
		})
	}
}

// BenchmarkBreakpointHit measures one call that stops at a breakpoint, as an editor
// sees it: the call is made, the stop reaches the client (with the payload read), the
// client continues, the call answers.
func BenchmarkBreakpointHit(b *testing.B) {
	for _, d := range debuggers {
		b.Run(d.name, func(b *testing.B) {
			file, line := helloSource(b), breakpointLine(b)
			in := startHello(b)
			s := NewGoSession(GoOptions{Name: "hello", Addr: "127.0.0.1:0", Dlv: d.dlv(b)})
			defer s.Close()
			attachOrSkip(b, s, in.Pid())
			ed := connectEditor(b, s.Addr())
			defer ed.Disconnect(false)
			states := ed.breakAt(file, line)
			for b.Loop() {
				res := invokeAsync(in, `{"email":"bench@example.com"}`)
				ed.hit(states, line)
				states = ed.Continue()
				if r := <-res; r.err != nil || r.status != 200 {
					b.Fatalf("call: %+v", r)
				}
			}
		})
	}
}
