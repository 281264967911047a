package campaign

import (
	"io"
	"runtime"
	"testing"
	"time"
)

// BenchmarkCampaign measures a campaign's throughput on all cores, in
// simulated events (records) per second of wall time, with output off and
// with JSONL written to a discarding writer. One op is a campaign of 20000
// runs.
func BenchmarkCampaign(b *testing.B) {
	for _, out := range []string{"output=off", "output=jsonl-discard"} {
		b.Run(out, func(b *testing.B) {
			o := Options{Seed: 1, Runs: 20000, Workers: runtime.GOMAXPROCS(0)}
			if out != "output=off" {
				o.JSONL = func(p []byte) error { _, err := io.Discard.Write(p); return err }
			}
			c, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			var events uint64
			start := time.Now()
			for b.Loop() {
				sum, err := c.Run()
				if err != nil {
					b.Fatal(err)
				}
				events += sum.Events
			}
			b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
		})
	}
}
