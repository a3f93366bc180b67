package engine

// The outbox of a task type: the outcomes of its attempts wait there for
// the next claim of the type, which writes them (see RecordAndClaim).

// submit hands the outcome of an attempt of this type over to be written:
// to the next claim while the fetch loop runs (the batch completer's
// mode), to the processor's completer otherwise. It reports whether it
// was taken; o.settled is signalled once its fate is known.
func (r *typeRunner) submit(o *outcome) bool {
	if !r.p.cfg.DisableBatchCompleter {
		r.outMu.Lock()
		if !r.outboxClosed {
			r.outbox = append(r.outbox, o)
			n := len(r.outbox)
			r.outMu.Unlock()
			// Wake the fetch loop when its decision may change: the first
			// outcome (an idle type claims at once; one with a backlog
			// starts its cooldown), and once the outcomes and the free
			// workers make a claim batch (a type with a backlog claims
			// then), not for each outcome in between.
			if n == 1 || n+r.free() >= r.claimBatch() {
				select {
				case r.outboxReady <- struct{}{}:
				default:
				}
			}
			return true
		}
		r.outMu.Unlock()
	}
	return r.p.comp.submit(o)
}

// outboxLen returns the number of outcomes waiting for a claim.
func (r *typeRunner) outboxLen() int {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	return len(r.outbox)
}

// takeOutbox returns the outcomes waiting for a claim, and empties the
// outbox.
func (r *typeRunner) takeOutbox() []*outcome {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	out := r.outbox
	r.outbox = nil
	return out
}

// closeOutbox makes later outcomes go to the processor's completer, and
// hands it those still waiting.
func (r *typeRunner) closeOutbox() {
	r.outMu.Lock()
	r.outboxClosed = true
	left := r.outbox
	r.outbox = nil
	r.outMu.Unlock()
	r.handOver(left)
}

// handOver gives outcomes that no claim will write to the processor's
// completer, which writes them with retries (or gives them up, settling
// them, when it has stopped).
func (r *typeRunner) handOver(os []*outcome) {
	for _, o := range os {
		if !r.p.comp.submit(o) {
			r.p.outcomesAbandoned([]*outcome{o})
			settle([]*outcome{o}, false)
		}
	}
}
