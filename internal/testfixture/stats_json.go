package testfixture

// StatsJSON is the JSON of the dashboard's stats, as the command prints
// them and the API answers them, read by its own field names rather than
// through the types that write it, so that a renamed field fails a test.
type StatsJSON struct {
	// Total counts every task.
	Total int64 `json:"total"`
	// ByStatus counts the tasks of each status.
	ByStatus map[string]int64 `json:"by_status"`
	// ByType holds each task type's total and counts by status.
	ByType []struct {
		Type     string           `json:"type"`
		Total    int64            `json:"total"`
		ByStatus map[string]int64 `json:"by_status"`
	} `json:"by_type"`
}
