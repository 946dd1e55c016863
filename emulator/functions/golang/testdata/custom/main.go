// custom is a bootstrap that speaks the Runtime API by hand, as a custom runtime would:
// with INIT=fail it reports an init error, with INIT=hang it never becomes ready.
// Otherwise it answers each invocation with {"event":EVENT,"conn":N}, N counting the
// connections it opened so far: with CONNS=fresh every request opens its own (as a
// runtime without keep-alive does), with CONNS=two answers go on a second connection
// kept beside the one that asks for invocations, with CONNS=switch everything after
// the first /next goes on that second connection and the first stays open, unused;
// else one connection does both. An event {"sleep":MS} is answered
// after MS milliseconds.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/"
	switch os.Getenv("INIT") {
	case "fail":
		body := `{"errorMessage":"no config","errorType":"Runtime.InitError"}`
		resp, err := http.Post(api+"init/error", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			os.Exit(2)
		}
		time.Sleep(time.Minute) // Lambda stops it
	case "hang":
		time.Sleep(time.Minute)
	}

	var conns atomic.Int64
	newClient := func() *http.Client {
		return &http.Client{Transport: &http.Transport{
			DisableKeepAlives: os.Getenv("CONNS") == "fresh",
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conns.Add(1)
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		}}
	}
	client, answers := newClient(), newClient()
	switch os.Getenv("CONNS") {
	case "two", "switch":
	default:
		answers = client
	}
	for {
		resp, err := client.Get(api + "invocation/next")
		if os.Getenv("CONNS") == "switch" {
			client = answers // the first connection stays open, unused
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			os.Exit(2)
		}
		event, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		var ask struct{ Sleep int }
		json.Unmarshal(event, &ask)
		time.Sleep(time.Duration(ask.Sleep) * time.Millisecond)
		answer, _ := json.Marshal(map[string]any{"event": json.RawMessage(event), "conn": conns.Load()})
		resp, err = answers.Post(api+"invocation/"+id+"/response", "application/json", bytes.NewReader(answer))
		if err != nil {
			fmt.Fprintln(os.Stderr, "response:", err)
			os.Exit(2)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
