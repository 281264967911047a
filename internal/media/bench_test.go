package media

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkConnect measures a whole JVB session set-up on loopback: the
// bridge's offer rendered as Jingle, the client's answer through Jingle
// back to the bridge, until ICE is connected on the bridge
// (ms-to-connected, from the session-accept) and the bridge channel has
// carried the ServerHello.
func BenchmarkConnect(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		br := newTestBridge(b, FaultNone)
		c := newClient(b, clientTimeouts)
		total += connect(b, br, c)
		_ = br.Close()
		_ = c.pc.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-connected")
}

// BenchmarkBridgeMemory measures what one idle bridge (offer made,
// candidates gathered, waiting for the accept) holds: heap bytes and
// goroutines per bridge, over 20 live bridges.
func BenchmarkBridgeMemory(b *testing.B) {
	const n = 20
	var heap, goroutines float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		var bridges []*Peer
		for range n {
			br, err := NewBridge(Options{SID: "s", Initiator: "focus"})
			if err != nil {
				b.Fatal(err)
			}
			bridges = append(bridges, br)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap += float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / n
		goroutines += float64(runtime.NumGoroutine()-g0) / n
		for _, br := range bridges {
			_ = br.Close()
		}
	}
	b.ReportMetric(heap/float64(b.N), "heap-bytes/bridge")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/bridge")
}

// BenchmarkConnectedPairMemory is the same for connected sessions: heap
// bytes and goroutines per bridge-and-client pair (both pion peers count),
// over 10 live pairs with their bridge channels open.
func BenchmarkConnectedPairMemory(b *testing.B) {
	const n = 10
	var heap, goroutines float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		var closers []func()
		for range n {
			br, err := NewBridge(Options{SID: "s", Initiator: "focus"})
			if err != nil {
				b.Fatal(err)
			}
			c := newClient(b, Options{})
			connect(b, br, c)
			closers = append(closers, func() { _ = br.Close(); _ = c.pc.Close() })
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap += float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / n
		goroutines += float64(runtime.NumGoroutine()-g0) / n
		for _, f := range closers {
			f()
		}
	}
	b.ReportMetric(heap/float64(b.N), "heap-bytes/pair")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/pair")
}
