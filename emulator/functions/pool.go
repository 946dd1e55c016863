package functions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"
)

// State is where a function is in its life.
type State string

const (
	StateBuilding State = "building"
	StateReady    State = "ready"
	StateFailed   State = "build-failed"
	StateConflict State = "conflict"
)

// pool runs one function: its current build, its warm instances, at most limit of
// them at once, and a queue beyond that.
type pool struct {
	life    context.Context // dev's: its end stops invocations under way
	fn      *Function
	runtime Runtime
	limit   int
	env     func() []string
	log     func(stream, line string)

	mu                       sync.Mutex
	artifact                 Artifact
	buildErr                 error
	building                 chan struct{} // closed when the build in progress ends
	wanted                   chan struct{} // closed when a request waits for a build still queued
	buildRunning, buildAgain bool
	gen                      int // build generation; instances of older ones are retired
	idle                     []*instance
	slots                    chan struct{}
	closed                   bool
	lastBuild                time.Time
	buildTook                time.Duration
	lastError                string
	running                  int
	onStart                  func(fn *Function, in Instance)
	// When to start another instance (see acquire): what invocations and starts have
	// taken (moving averages), and the calls queued for a busy instance, oldest first.
	invokeAvg, startAvg time.Duration
	starting            int       // instance starts under way
	startEnded          time.Time // when the last one ended
	waiters             []chan *instance
	retireAfter         time.Duration // idleRetire, shorter in tests
	retireTimer         *time.Timer   // set while more than one instance is idle
	declared            Declared      // as the entry file last read declares
	route               *routes       // declared's config.path, compiled
}

type instance struct {
	Instance
	gen   int
	since time.Time // when its current invocation acquired it, or when it went idle
}

// idleRetire is how long an idle instance beyond a function's last one is kept before
// it is stopped, as Lambda stops instances that go unused: the processes a burst
// started do not stay for the rest of the day. One instance of each function stays warm.
const idleRetire = 5 * time.Minute

func newPool(fn *Function, rt Runtime, limit int, env func() []string, log func(stream, line string)) *pool {
	if limit < 1 {
		limit = 1
	}
	return &pool{fn: fn, runtime: rt, limit: limit, env: env, log: log, slots: make(chan struct{}, limit), declared: fn.Declared, route: routesOf(fn.Declared), retireAfter: idleRetire}
}

// markBuilding makes requests wait from now on for the next build.
func (p *pool) markBuilding() {
	p.mu.Lock()
	if p.building == nil {
		p.building = make(chan struct{})
		p.wanted = make(chan struct{})
	}
	p.mu.Unlock()
}

// want says that a request waits for the build in progress, so that a build still
// queued behind others starts at once.
func (p *pool) want() {
	p.mu.Lock()
	if p.wanted != nil {
		select {
		case <-p.wanted:
		default:
			close(p.wanted)
		}
	}
	p.mu.Unlock()
}

// wantedNow is closed once a request waits for the next build.
func (p *pool) wantedNow() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wanted == nil {
		p.wanted = make(chan struct{})
	}
	return p.wanted
}

// build (re)builds the function; requests wait for it instead of failing. A build
// asked for while one runs makes that one run again when it ends, so the last edit wins.
// report hears about each build that ran.
func (p *pool) build(ctx context.Context, report func(time.Duration, error)) {
	p.mu.Lock()
	if p.buildRunning {
		p.buildAgain = true
		p.mu.Unlock()
		return
	}
	p.buildRunning = true
	if p.building == nil {
		p.building = make(chan struct{})
	}
	if p.wanted == nil {
		p.wanted = make(chan struct{})
	}
	done := p.building
	p.mu.Unlock()

	for {
		start := time.Now()
		a, err := p.runtime.Build(ctx, p.fn)
		took := time.Since(start)

		p.mu.Lock()
		again := p.buildAgain
		p.buildAgain = false
		var old []*instance
		if !again {
			p.gen++
			p.artifact, p.buildErr = a, err
			p.lastBuild, p.buildTook = time.Now(), took
			p.lastError = ""
			if err != nil {
				p.lastError = err.Error()
			}
			old, p.idle = p.idle, nil
			p.building, p.buildRunning, p.wanted = nil, false, nil
		}
		p.mu.Unlock()
		for _, in := range old {
			in.Close()
		}
		if !again {
			report(took, err)
			close(done)
			return
		}
	}
}

// ready waits for a build in progress, then returns the artifact or the build's error.
func (p *pool) ready(ctx context.Context) (Artifact, int, error) {
	for {
		p.mu.Lock()
		wait := p.building
		a, err, gen := p.artifact, p.buildErr, p.gen
		p.mu.Unlock()
		if wait == nil {
			if a == nil && err == nil {
				err = errors.New("not built yet")
			}
			return a, gen, err
		}
		p.want()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
}

// acquire waits for a free slot, then hands out a warm instance or starts one.
func (p *pool) acquire(ctx context.Context) (*instance, error) {
	a, gen, err := p.ready(ctx)
	if err != nil {
		return nil, err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, fmt.Errorf("function %s was removed", p.fn.Name)
	}
	for len(p.idle) > 0 {
		in := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if in.gen == p.gen {
			p.running++
			p.mu.Unlock()
			in.since = time.Now()
			return in, nil
		}
		go in.Close()
	}
	if p.worthWaiting() {
		// Every instance is busy, and one will most likely be free before a new one
		// would have started: queue for it (release hands it over, first come first
		// served), at most as long as a start takes.
		handed := make(chan *instance, 1)
		p.waiters = append(p.waiters, handed)
		timer := time.NewTimer(p.startCost())
		p.mu.Unlock()
		waitBegan := time.Now()
		var cancelled error
	wait:
		for {
			select {
			case in := <-handed:
				timer.Stop()
				in.since = time.Now()
				return in, nil
			case <-timer.C:
				// A call waits at most a start's time, and time while an instance of
				// this function is starting does not count: another start would end no
				// sooner (and, on two cores, would slow that one down). A first burst,
				// arriving while the first instance starts, so waits for it however
				// slowly node starts on this machine, then a start's time more.
				p.mu.Lock()
				limit := p.startCost()
				if p.starting == 0 {
					from := waitBegan
					if p.startEnded.After(from) {
						from = p.startEnded
					}
					limit -= time.Since(from)
				}
				p.mu.Unlock()
				if limit <= 0 {
					break wait
				}
				timer.Reset(limit)
			case <-ctx.Done():
				timer.Stop()
				cancelled = ctx.Err()
				break wait
			}
		}
		p.mu.Lock()
		if !p.dequeue(handed) {
			// Handed over while the wait ended: the instance is ours.
			p.mu.Unlock()
			in := <-handed
			if cancelled != nil {
				p.release(in, true)
				return nil, cancelled
			}
			in.since = time.Now()
			return in, nil
		}
		if cancelled == nil && p.closed {
			cancelled = fmt.Errorf("function %s was removed", p.fn.Name)
		}
		if cancelled != nil {
			p.mu.Unlock()
			<-p.slots
			return nil, cancelled
		}
	}
	p.running++
	p.starting++
	p.mu.Unlock()

	began := time.Now()
	started, err := p.runtime.Start(ctx, a, StartOptions{Env: p.env(), Log: p.log})
	p.mu.Lock()
	p.starting--
	p.startEnded = time.Now()
	if err == nil {
		p.startAvg = movingAverage(p.startAvg, time.Since(began))
	}
	p.mu.Unlock()
	if err != nil {
		p.release(nil, false)
		return nil, err
	}
	if p.onStart != nil {
		p.onStart(p.fn, started)
	}
	return &instance{Instance: started, gen: gen, since: time.Now()}, nil
}

// dequeue takes a waiter out of the queue; false when release has already handed it
// an instance. Called with p.mu held.
func (p *pool) dequeue(w chan *instance) bool {
	for i, q := range p.waiters {
		if q == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// worthWaiting reports whether an invocation that finds every instance busy should
// wait for one instead of starting another: when the invocations queued before it,
// shared among the busy instances, would end sooner than a start takes. A site's
// quick functions then stay one warm instance under a burst of calls, as each new
// node process would cost 40 MB and 60 ms of CPU, while slow ones still get an
// instance per concurrent call. Production's limits are unchanged: one invocation at a
// time per instance, at most limit instances. Called with p.mu held.
func (p *pool) worthWaiting() bool {
	if p.running == 0 {
		return false // nothing to wait for
	}
	if p.invokeAvg == 0 {
		// No call has ended yet, as in a burst of first calls while the first instance
		// starts: wait for it (see acquire).
		return true
	}
	expected := time.Duration(len(p.waiters)+1) * p.invokeAvg / time.Duration(p.running)
	return expected < p.startCost()
}

// defaultStartCost is what an instance start is taken to cost until one is measured:
// the first instance may have been booted ahead (a Prewarmer's), which says nothing.
const defaultStartCost = 50 * time.Millisecond

// startCost is how long starting an instance takes; called with p.mu held.
func (p *pool) startCost() time.Duration {
	return max(p.startAvg, defaultStartCost)
}

// movingAverage adds d to an exponentially weighted moving average (weight 1/8).
func movingAverage(avg, d time.Duration) time.Duration {
	if avg == 0 {
		return d
	}
	return avg + (d-avg)/8
}

// release returns a slot; a healthy instance of the current build goes back warm.
func (p *pool) release(in *instance, healthy bool) {
	p.mu.Lock()
	keep := in != nil && healthy && !p.closed && in.gen == p.gen
	if keep {
		p.invokeAvg = movingAverage(p.invokeAvg, time.Since(in.since))
		if len(p.waiters) > 0 {
			// Straight to the oldest waiting call, which holds a slot of its own and
			// takes over this call's place in running: a newcomer cannot take it first.
			w := p.waiters[0]
			p.waiters = p.waiters[1:]
			w <- in
			p.mu.Unlock()
			<-p.slots
			// Let the waiting call have this thread now: it sends its invocation while
			// this one answers its client and journals and logs its call, which would
			// otherwise keep the instance idle that long.
			runtime.Gosched()
			return
		}
		in.since = time.Now()
		p.idle = append(p.idle, in)
		if len(p.idle) > 1 && p.retireTimer == nil {
			p.retireTimer = time.AfterFunc(p.retireAfter, p.retireIdle)
		}
	}
	p.running--
	p.mu.Unlock()
	<-p.slots
	if in != nil && !keep {
		in.Close()
	}
}

// invoke runs one invocation with the time limit; a timed-out, crashed or fatally
// failed instance is stopped, so the next call gets a fresh one.
func (p *pool) invoke(ctx context.Context, inv *Invocation, timeout time.Duration) (*Response, error) {
	in, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	// Once it has an instance, an invocation runs to its end or its time limit even if
	// the client goes away, as in production: stopping it would also stop the instance,
	// and the next call would wait for a new one. A deadline of the caller's (a hook's
	// time limit) still holds, and dev's end stops it.
	var ictx context.Context
	var cancel context.CancelFunc
	life := p.life
	if life == nil {
		life = context.Background()
	}
	detached := detachedContext{Context: life, values: ctx}
	if timeout > 0 {
		ictx, cancel = context.WithTimeout(detached, timeout)
		inv.Deadline = time.Now().Add(timeout)
	} else {
		ictx, cancel = context.WithCancel(detached)
	}
	if _, ok := ctx.Deadline(); ok {
		// The caller's own deadline passing (ctx.Err() set first, so the caller sees it).
		end := cancel
		stopCaller := context.AfterFunc(ctx, func() {
			if ctx.Err() == context.DeadlineExceeded {
				end()
			}
		})
		cancel = func() { stopCaller(); end() }
	}
	resp, err := in.Invoke(ictx, inv)
	healthy := err == nil
	var fe *FunctionError
	if errors.As(err, &fe) && !fe.Fatal {
		healthy = true
	}
	if err == nil && resp != nil && resp.Body != nil {
		// A streamed answer keeps the instance busy, and its time limit running, until
		// its body is read.
		resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { cancel(); p.release(in, true) }}
		return resp, nil
	}
	timedOut := ictx.Err() == context.DeadlineExceeded && detached.Err() == nil
	cancel()
	p.release(in, healthy)
	if err != nil && timedOut {
		return nil, &TimeoutError{Function: p.fn.Name, Limit: timeout}
	}
	return resp, err
}

// detachedContext is an invocation's context before its time limit: ended by dev's end
// (Context) only, not by its caller's, and with its caller's values (values). It is one
// context where a context without cancel under one with cancel, and a callback on dev's
// end, were three (and ten allocations per call). Context's own values, which
// include what lets the context package tie a child's cancel to dev's end without a
// goroutine, come first: dev's end carries no others.
type detachedContext struct {
	context.Context
	values context.Context
}

func (d detachedContext) Value(key any) any {
	if v := d.Context.Value(key); v != nil {
		return v
	}
	return d.values.Value(key)
}

// retireIdle stops the instances that have been idle for retireAfter, but the most
// recently used one, and looks again when the next would be due.
func (p *pool) retireIdle() {
	p.mu.Lock()
	p.retireTimer = nil
	var stop []*instance
	keep := p.idle[:0]
	now := time.Now()
	for i, in := range p.idle {
		// The last one is the most recently used (acquire takes from the end).
		if i < len(p.idle)-1 && now.Sub(in.since) >= p.retireAfter {
			stop = append(stop, in)
			continue
		}
		keep = append(keep, in)
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	if len(p.idle) > 1 {
		next := p.retireAfter - now.Sub(p.idle[0].since)
		p.retireTimer = time.AfterFunc(max(next, time.Millisecond), p.retireIdle)
	}
	p.mu.Unlock()
	for _, in := range stop {
		in.Close()
	}
}

// close stops every instance; the function is gone.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	if p.retireTimer != nil {
		p.retireTimer.Stop()
		p.retireTimer = nil
	}
	p.mu.Unlock()
	for _, in := range idle {
		in.Close()
	}
}

// TimeoutError is an invocation that passed its time limit.
type TimeoutError struct {
	Function string
	Limit    time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not finish within its time limit of %s, so it was stopped (--function-timeout sets the limit); the next call gets a fresh instance", e.Function, e.Limit)
}

type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
