package devserver

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPasswordLogin: POST /token grant_type=password over loopback HTTP, bcrypt
// cost 4, in-memory store: one connection (p50) and ten (req/s), as wrk measures it.
func BenchmarkPasswordLogin(b *testing.B) {
	srv := startServer(b, Options{Autoconfirm: true})
	r := srv.do(b, "POST", srv.identityURL("/signup"), `{"email":"ann@example.com","password":"pw-123456"}`, "Content-Type: application/json")
	if r.Status != 200 {
		b.Fatalf("signup %d %s", r.Status, r.Body)
	}
	form := url.Values{"grant_type": {"password"}, "username": {"ann@example.com"}, "password": {"pw-123456"}}.Encode()
	endpoint := srv.identityURL("/token")
	login := func(client *http.Client) time.Duration {
		start := time.Now()
		resp, err := client.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("login %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	b.Run("1conn", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for range 50 {
			login(client)
		}
		d := make([]time.Duration, b.N)
		b.ResetTimer()
		for i := range d {
			d[i] = login(client)
		}
		b.StopTimer()
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	})
	b.Run("10conns", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 10, MaxConnsPerHost: 10}}
		var next atomic.Int64
		var wg sync.WaitGroup
		lat := make([]time.Duration, b.N)
		b.ResetTimer()
		start := time.Now()
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(b.N) {
						return
					}
					lat[i] = login(client)
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		b.StopTimer()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(b.N)/took.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	})
}
