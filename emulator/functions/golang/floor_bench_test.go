package golang

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// BenchmarkRuntimeAPIFloor is the floor under BenchmarkInvokeWarmGo's Runtime API
// case: the same hello function, driven by one goroutine that writes each invocation
// on the function's connection and reads its answer and next /next there, and does
// nothing else (no secret, no trace id, no state). What dev adds is the difference.
func BenchmarkRuntimeAPIFloor(b *testing.B) {
	art := buildFixture(b, "hello")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command(art.binary)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "_LAMBDA_SERVER_PORT=", "AWS_LAMBDA_FUNCTION_NAME=hello", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_LOG_STREAM_NAME=x", "AWS_LAMBDA_LOG_GROUP_NAME=x")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	conn, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	br := bufio.NewReader(conn)
	bw := bufio.NewWriter(conn)
	readReq := func() (*http.Request, []byte) {
		r, err := http.ReadRequest(br)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		return r, body
	}
	event := `{"path":"/","httpMethod":"GET","headers":{},"body":"","isBase64Encoded":false}`
	readReq() // the first /next
	n := 0
	took := []time.Duration{}
	for b.Loop() {
		began := time.Now()
		n++
		id := fmt.Sprintf("req-%d", n)
		fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %d\r\nLambda-Runtime-Invoked-Function-Arn: arn\r\nLambda-Runtime-Trace-Id: t\r\nContent-Length: %d\r\n\r\n%s", id, time.Now().Add(time.Minute).UnixMilli(), len(event), event)
		bw.Flush()
		r, body := readReq()
		if r.Method != "POST" || len(body) == 0 {
			b.Fatal(r.URL, string(body))
		}
		bw.WriteString("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
		bw.Flush()
		readReq() // the next /next
		took = append(took, time.Since(began))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}
