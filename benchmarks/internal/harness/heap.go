package harness

import "runtime"
import "sync"
import "time"

// HeapStats are samples of the Go heap taken while a consumer works.
type HeapStats struct {
	// Baseline is HeapInuse after a collection, before the consumer started.
	Baseline uint64
	// Max is the largest HeapInuse seen.
	Max uint64
	// Samples is how many samples were taken.
	Samples int
}

// heapSampler samples runtime.MemStats.HeapInuse every 10ms.
type heapSampler struct {
	stats HeapStats
	done  chan struct{}
	wg    sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &heapSampler{stats: HeapStats{Baseline: ms.HeapInuse, Max: ms.HeapInuse}, done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
			}
			runtime.ReadMemStats(&ms)
			s.stats.Samples++
			s.stats.Max = max(s.stats.Max, ms.HeapInuse)
		}
	}()
	return s
}

func (s *heapSampler) stop() HeapStats {
	close(s.done)
	s.wg.Wait()
	return s.stats
}
