package golang

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkInvokeWarmGo is one warm invocation of a hello function through
// Instance.Invoke, in each transport; it also reports the median.
func BenchmarkInvokeWarmGo(b *testing.B) {
	for mode, rt := range runtimes() {
		b.Run(mode, func(b *testing.B) {
			in, _ := start(b, rt, "hello")
			inv := invocation("/")
			ctx := context.Background()
			took := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			for b.Loop() {
				began := time.Now()
				if _, err := in.Invoke(ctx, inv); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(began))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}
