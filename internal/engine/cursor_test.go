package engine

import "context"
import "errors"
import "fmt"
import "regexp"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

// TestClaimAfterCursor claims with and without a cursor: a claim returns
// the cursor of the last pending task it claimed, and a claim after it
// sees only the tasks of that rank that come after it, through each claim
// statement (claim only, successes, outcomes of any kind).
func TestClaimAfterCursor(t *testing.T) {
	t.Parallel()
	for name, outs := range map[string]struct {
		n      int // outcomes written by the claim statement, none for 0
		status string
	}{
		"claim only":          {0, ""},
		"with successes":      {lightOutcomes, outcomeCompleted},
		"with failures":       {2, outcomeFailed},
		"with many successes": {ManyOutcomes, outcomeCompleted},
		"with many failures":  {ManyOutcomes, outcomeFailed},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupProc(t)
			typ := "cursor"
			claim := func(limit int, after ClaimCursor) ([]ClaimedTask, ClaimCursor) {
				t.Helper()
				return claimWithOutcomes(t, b, typ, limit, after, outs.n, outs.status)
			}
			ids := make([]int64, 6)
			for i := range ids {
				ids[i] = insertPrioritized(t, b, typ, 0, time.Duration(10-i)*time.Minute)
			}
			low := insertPrioritized(t, b, typ, -1, time.Hour)

			first, cursor := claim(2, ClaimCursor{})
			require.ElementsMatch(t, ids[:2], claimedIDs(first))
			require.Equal(t, ids[1], cursor.ID, "the cursor is the last task claimed")
			require.Equal(t, 0, cursor.Rank)

			// Tasks that sort before the cursor are not seen after it: a
			// higher priority, an earlier blocked_till.
			high := insertPrioritized(t, b, typ, 5, 0)
			early := insertPrioritized(t, b, typ, 0, 24*time.Hour)
			next, cursor := claim(2, cursor)
			require.ElementsMatch(t, ids[2:4], claimedIDs(next))
			require.Equal(t, ids[3], cursor.ID)

			// Nor are those of a lower priority: the claim is short.
			rest, last := claim(5, cursor)
			require.ElementsMatch(t, ids[4:], claimedIDs(rest))
			require.Equal(t, ids[5], last.ID)

			// From the first ready task, every one is seen, in claim order;
			// the cursor is the last of the lowest priority.
			all, cursor := claim(5, ClaimCursor{})
			require.ElementsMatch(t, []int64{high, early, low}, claimedIDs(all))
			require.Equal(t, ClaimCursor{Rank: -1, BlockedTill: cursor.BlockedTill, ID: low}, cursor)
			require.WithinDuration(t, b.dbNow(t).Add(-time.Hour), cursor.BlockedTill, time.Minute)
		})
	}
}

// TestClaimAfterCursorPassesOverLockedRows checks that a claim after a
// cursor passes over a pending row that carries the lock of a finished
// transaction, and that a claim from the first ready task takes it.
func TestClaimAfterCursorPassesOverLockedRows(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	typ := "locked"
	ids := make([]int64, 3)
	for i := range ids {
		ids[i] = insertPrioritized(t, b, typ, 0, time.Duration(10-i)*time.Minute)
	}
	first, cursor := claimWithOutcomes(t, b, typ, 1, ClaimCursor{}, 0, "")
	require.Equal(t, ids[:1], claimedIDs(first))

	// A transaction locks the row and commits without changing it.
	b.exec(t, `SELECT id FROM asynqpg_tasks WHERE id = $1 FOR NO KEY UPDATE`, ids[1])

	next, cursor := claimWithOutcomes(t, b, typ, 2, cursor, 0, "")
	require.Equal(t, ids[2:], claimedIDs(next), "the locked row is passed over after the cursor")
	require.Equal(t, ids[2], cursor.ID)

	all, _ := claimWithOutcomes(t, b, typ, 2, ClaimCursor{}, 0, "")
	require.Equal(t, ids[1:2], claimedIDs(all), "a claim from the first ready task takes it")
}

// TestClaimCursorOfExpired checks that a claim that takes only tasks
// whose lease passed returns the zero cursor: their entries are not among
// the pending ones.
func TestClaimCursorOfExpired(t *testing.T) {
	t.Parallel()
	b := setupProc(t)
	id := b.insertReady(t, "expired", 3)
	_, err := ClaimTasks(context.Background(), b.ex, "expired", 1, time.Microsecond)
	require.NoError(t, err)
	time.Sleep(time.Millisecond)
	claimed, _, cursor, err := RecordAndClaim(context.Background(), b.ex, "expired", nil, 5, time.Minute, true, ClaimCursor{})
	require.NoError(t, err)
	require.Equal(t, []int64{id}, claimedIDs(claimed))
	require.True(t, cursor.IsZero(), "cursor %+v", cursor)
}

// claimWithOutcomes claims like RecordAndClaim with n outcomes of status
// written first (none for 0), of tasks of another type claimed for them.
func claimWithOutcomes(t *testing.T, b *procBundle, typ string, limit int, after ClaimCursor, n int, status string,
) ([]ClaimedTask, ClaimCursor) {
	t.Helper()
	var outcomes []OutcomeRecord
	if n > 0 {
		for _, o := range b.claimOutcomes(t, typ+"-outcomes", n) {
			o.rec.Decision = Decision{Status: status, Kind: asynqpg.StatusCompleted}
			if status == outcomeFailed {
				o.rec.Decision = Decision{Status: status, Kind: asynqpg.StatusFailed, Spent: 1, Message: "failed"}
			}
			outcomes = append(outcomes, o.rec)
		}
	}
	claimed, written, cursor, err := RecordAndClaim(context.Background(), b.ex, typ, outcomes, limit, time.Minute, true, after)
	require.NoError(t, err)
	require.Len(t, written, n)
	return claimed, cursor
}

// insertPrioritized inserts a ready task of typ with priority prio, ready
// since ago.
func insertPrioritized(t *testing.T, b *procBundle, typ string, prio int, ago time.Duration) int64 {
	t.Helper()
	id, _, err := InsertTask(context.Background(), b.ex, NewTask{Type: typ, Payload: []byte{}, Attempts: 3, Priority: prio})
	require.NoError(t, err)
	b.exec(t, `UPDATE asynqpg_tasks SET blocked_till = now() - $2 * interval '1 microsecond' WHERE id = $1`, id, ago.Microseconds())
	return id
}

// claimedIDs returns the IDs of claimed.
func claimedIDs(claimed []ClaimedTask) []int64 {
	ids := make([]int64, len(claimed))
	for i, c := range claimed {
		ids[i] = c.Task.ID
	}
	return ids
}

// TestClaimScan follows the fetch loop's choice of where claims begin.
func TestClaimScan(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c1 := ClaimCursor{Rank: 0, BlockedTill: at, ID: 10}
	c2 := ClaimCursor{Rank: 0, BlockedTill: at, ID: 20}
	full := claimResult{limit: 5, claimed: 5, cursor: c1}
	for name, tc := range map[string]struct {
		// then: the results that follow a full claim's (none: no claim
		// yet); restart: a notification or a poll came after them.
		then    []claimResult
		restart bool
		now     time.Time
		want    ClaimCursor
	}{
		"the first claim scans from the first task": {now: at, want: ClaimCursor{}},
		"a full claim is followed after its cursor": {then: []claimResult{}, now: at.Add(time.Millisecond), want: c1},
		"the last claim's cursor wins": {
			then: []claimResult{{limit: 5, claimed: 5, cursor: c2}}, now: at.Add(time.Millisecond), want: c2,
		},
		"a short claim starts over": {
			then: []claimResult{{limit: 5, claimed: 4, cursor: c2}}, now: at.Add(time.Millisecond), want: ClaimCursor{},
		},
		"a failed claim starts over": {
			then: []claimResult{{limit: 5, err: errors.New("boom")}}, now: at.Add(time.Millisecond), want: ClaimCursor{},
		},
		"a claim of expired tasks only keeps the cursor": {
			then: []claimResult{{limit: 5, claimed: 5}}, now: at.Add(time.Millisecond), want: c1,
		},
		"a notification or a poll starts over": {
			then: []claimResult{}, restart: true, now: at.Add(time.Millisecond), want: ClaimCursor{},
		},
		"the interval passed starts over": {then: []claimResult{}, now: at.Add(time.Second), want: ClaimCursor{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &claimScan{interval: time.Second}
			if tc.then != nil {
				s.next(at)
				s.claimed(full)
				for _, res := range tc.then {
					s.claimed(res)
				}
			}
			if tc.restart {
				s.restart()
			}
			require.Equal(t, tc.want, s.next(tc.now))
		})
	}
}

// TestClaimStatementParams checks the numbering of every claim
// statement's parameters: the statement's own are $1 to $n without a gap,
// and the form after a cursor adds the cursor's three, $n+1 to $n+3.
func TestClaimStatementParams(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		s    claimStatement
		args int // the statement's own arguments
	}{
		"claim only":                {claimTasks, 3},
		"successes":                 {completeAndClaim, 5},
		"many successes":            {completeManyAndClaim, 5},
		"outcomes of any kind":      {recordAndClaim, 9},
		"many outcomes of any kind": {recordManyAndClaim, 9},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.args, lastParam(tc.s.first))
			require.Equal(t, tc.args+3, lastParam(tc.s.after))
			for n := 1; n <= tc.args+3; n++ {
				param := regexp.MustCompile(fmt.Sprintf(`\$%d\b`, n))
				if n <= tc.args {
					require.Regexp(t, param, tc.s.first)
				}
				require.Regexp(t, param, tc.s.after)
			}
		})
	}
}

// TestLastParam checks the parameter numbers lastParam reads.
func TestLastParam(t *testing.T) {
	t.Parallel()
	for statement, want := range map[string]int{
		"SELECT 1":                 0,
		"SELECT $1":                1,
		"SELECT $2::int, $10, $3":  10,
		"SELECT '$' || $4":         4,
		"SELECT $1 WHERE x = $12)": 12,
		"SELECT $9,$11":            11,
	} {
		require.Equal(t, want, lastParam(statement), statement)
	}
}
