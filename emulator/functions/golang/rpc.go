package golang

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/identity-dev/dev/emulator/functions"
)

// The legacy go1.x protocol: the binary serves net/rpc (gob) on localhost:$_LAMBDA_SERVER_PORT
// with Function.Ping and Function.Invoke. Old aws-lambda-go versions speak nothing else,
// and current ones still do unless built with -tags lambda.norpc.

// rpcConn is an instance's client connection to its process.
type rpcConn struct {
	in     *Instance
	client *rpc.Client
	arn    string
}

func startRPC(ctx context.Context, r *Runtime, art *Artifact, opts functions.StartOptions) (*Instance, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start %s: choosing a port: %w", art.fn.Name, err)
	}
	in := newInstance(art, opts, TransportRPC)
	if err := in.spawn(lambdaEnv(opts.Env, art, r.region(), "_LAMBDA_SERVER_PORT="+port)); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.StartTimeout)
	defer cancel()
	conn, err := in.dialRPC(ctx, net.JoinHostPort("localhost", port))
	if err == nil {
		in.rpc = &rpcConn{in: in, client: rpc.NewClient(conn), arn: arn(r.region(), art.fn.Name)}
		err = in.rpc.ping(ctx)
	}
	if err == nil {
		return in, nil
	}
	select {
	case <-in.exited:
		err = errExited
	default:
	}
	in.Close()
	switch {
	case err == errExited:
		return nil, in.exitedDuringStart()
	case ctx.Err() == context.DeadlineExceeded:
		return nil, fmt.Errorf("start %s: the function did not answer on _LAMBDA_SERVER_PORT within %s; "+
			"does main call lambda.Start, or is its init stuck?", art.fn.Name, r.opts.StartTimeout)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("start %s: %w", art.fn.Name, err)
}

var errExited = fmt.Errorf("golang: the process exited")

// dialRPC connects to the function once it listens.
func (in *Instance) dialRPC(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn, nil
		}
		select {
		case <-in.exited:
			return nil, errExited
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func (c *rpcConn) ping(ctx context.Context) error {
	call := c.client.Go("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-c.in.exited:
		return errExited
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *rpcConn) invoke(ctx context.Context, inv *functions.Invocation) (*functions.Response, error) {
	deadline := inv.Deadline
	if deadline.IsZero() {
		deadline = time.Now().Add(noDeadline)
	}
	id := inv.ID
	if id == "" {
		id = newRequestID()
	}
	req := &messages.InvokeRequest{
		Payload:            inv.Event,
		RequestId:          id,
		XAmznTraceId:       newTraceID(),
		Deadline:           messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		InvokedFunctionArn: c.arn,
		ClientContext:      inv.LambdaClientContext,
	}
	if len(req.Payload) == 0 {
		req.Payload = []byte("{}")
	}
	resp := new(messages.InvokeResponse)
	call := c.client.Go("Function.Invoke", req, resp, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.in.exited:
		return nil, c.in.exitErr
	}
	if call.Error != nil {
		// A broken connection almost always means the process is ending.
		select {
		case <-c.in.exited:
			return nil, c.in.exitErr
		case <-time.After(time.Second):
			return nil, fmt.Errorf("invoke %s over RPC: %w", c.in.art.fn.Name, call.Error)
		}
	}
	if e := resp.Error; e != nil {
		// A panic too: RPC mode recovers it and keeps serving (it ignores ShouldExit).
		fe := &functions.FunctionError{Type: e.Type, Message: e.Message}
		for _, f := range e.StackTrace {
			fe.Stack = append(fe.Stack, stackLine(f.Label, f.Path, int(f.Line)))
		}
		return nil, fe
	}
	return &functions.Response{Lambda: resp.Payload}, nil
}

func (c *rpcConn) close() {
	c.client.Close()
}

// freePort picks a port that is free on the loopback interface now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
