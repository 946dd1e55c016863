// custom is a bootstrap that speaks the Runtime API by hand, as a custom runtime would:
// with INIT=fail it reports an init error, with INIT=hang it never becomes ready.
// Otherwise it answers each invocation with {"event":EVENT,"conn":N}, N counting the
// connections it opened so far. CONNS says how it uses connections:
//
//	one (default)  one kept-alive connection does everything
//	fresh          every request opens its own (Connection: close)
//	two            answers go on a second connection beside the one that asks
//	switch         everything after the first /next goes on the second connection,
//	               and the first stays open, unused
//	eof            every request is HTTP/1.0 on its own connection, read to its end,
//	               as a shell script with curl or /dev/tcp does
//	expect         answers are posted with Expect: 100-continue, and their body is
//	               never sent without the 100
//	retry          the first /next gives up after 200 ms and asks again on a new
//	               connection
//
// An event {"sleep":MS} is answered after MS milliseconds; {"trickle":MS} is answered
// at once, but the answer's body takes MS milliseconds to end.
package main

import (
	"bufio"
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
	addr, _, _ := strings.Cut(os.Getenv("AWS_LAMBDA_RUNTIME_API"), "/")
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

	mode := os.Getenv("CONNS")
	var conns atomic.Int64
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conns.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	newClient := func() *http.Client {
		return &http.Client{Transport: &http.Transport{
			DisableKeepAlives:     mode == "fresh",
			DialContext:           dial,
			ExpectContinueTimeout: time.Minute,
		}}
	}
	client, answers := newClient(), newClient()
	switch mode {
	case "two", "switch":
	default:
		answers = client
	}
	first := true
	for {
		var event []byte
		var id string
		var err error
		switch {
		case mode == "eof":
			event, id, err = raw(dial, addr, "GET", api+"invocation/next", nil)
		case mode == "retry" && first:
			short := &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 200 * time.Millisecond}
			if _, err := short.Get(api + "invocation/next"); err == nil {
				fmt.Fprintln(os.Stderr, "the first /next was answered within 200 ms")
				os.Exit(2)
			}
			event, id, err = get(client, api+"invocation/next")
		default:
			event, id, err = get(client, api+"invocation/next")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			os.Exit(2)
		}
		if mode == "switch" {
			client = answers // the first connection stays open, unused
		}
		first = false
		var ask struct{ Sleep, Trickle int }
		json.Unmarshal(event, &ask)
		time.Sleep(time.Duration(ask.Sleep) * time.Millisecond)
		answer, _ := json.Marshal(map[string]any{"event": json.RawMessage(event), "conn": conns.Load()})
		url := api + "invocation/" + id + "/response"
		if mode == "eof" {
			_, _, err = raw(dial, addr, "POST", url, answer)
		} else {
			var body io.Reader = bytes.NewReader(answer)
			if ask.Trickle > 0 {
				body = io.MultiReader(bytes.NewReader(answer[:len(answer)-1]), &slow{after: time.Duration(ask.Trickle) * time.Millisecond, last: answer[len(answer)-1:]})
			}
			req, _ := http.NewRequest("POST", url, body)
			req.Header.Set("Content-Type", "application/json")
			if mode == "expect" {
				req.Header.Set("Expect", "100-continue")
			}
			var resp *http.Response
			if resp, err = answers.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "response:", err)
			os.Exit(2)
		}
	}
}

// get asks for the next invocation.
func get(client *http.Client, url string) (event []byte, id string, err error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	event, err = io.ReadAll(resp.Body)
	return event, resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), err
}

// raw makes an HTTP/1.0 request on a connection of its own and reads the answer to
// the connection's end.
func raw(dial func(context.Context, string, string) (net.Conn, error), addr, method, url string, body []byte) ([]byte, string, error) {
	nc, err := dial(context.Background(), "tcp", addr)
	if err != nil {
		return nil, "", err
	}
	defer nc.Close()
	path := strings.TrimPrefix(url, "http://"+addr)
	fmt.Fprintf(nc, "%s %s HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, path, len(body), body)
	all, err := io.ReadAll(nc)
	if err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	return b, resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), err
}

// slow gives last after a while, then ends.
type slow struct {
	after time.Duration
	last  []byte
	done  bool
}

func (s *slow) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	time.Sleep(s.after)
	s.done = true
	return copy(p, s.last), nil
}
