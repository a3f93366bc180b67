package engine

// How many tasks a type claims at once, and how many claims it has in
// flight (see typeRunner.fetchLoop).

// minClaimBatch is the number of free workers a task type with a backlog
// gathers before it claims, when it has that many workers and half of
// them are fewer (half of them otherwise): every claim is a statement and
// a commit on the database, whatever its size, so a small pool claims for
// all its workers at once rather than for half of them, and a process of
// 25 workers makes half as many claims. The cooldown bounds the wait.
const minClaimBatch = 50

// maxClaimsInFlight is the most claims a task type has in flight at once
// (see claimsInFlight). While one claim waits on the database, the
// workers freed meanwhile can be claimed for by a second, so workers do
// not wait a whole claim's round trip for work.
const maxClaimsInFlight = 2

// claimsInFlight is the most claims the type has in flight at once:
// maxClaimsInFlight when its pool holds two claim batches, else one. A
// smaller pool's second claim would be for the few workers freed during
// the first: as costly to the database as a full one, and one more
// statement meeting other processes' claims in the same rows (four
// processes of 25 workers drained about 20 % faster with one).
func (r *typeRunner) claimsInFlight() int {
	if r.cfg.Workers >= 2*r.claimBatch() {
		return maxClaimsInFlight
	}
	return 1
}

// claimBatch is the number of free workers a type with a backlog waits
// for (at most fetchCooldown) before it claims: half of its workers, or
// minClaimBatch of them, or all of them when it has fewer.
func (r *typeRunner) claimBatch() int {
	w := r.cfg.Workers
	return max((w+1)/2, min(w, minClaimBatch))
}
