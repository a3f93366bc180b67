package testfixture

// StatsJSON is the JSON of the dashboard's stats, as the command prints
// them and the API answers them, read by its own field names rather than
// through the types that write it, so that a renamed field fails a test.
type StatsJSON struct {
	// Total counts every task.
	Total int64 `json:"total"`
	// ByStatus counts the tasks of each status.
	ByStatus map[string]int64 `json:"by_status"`
	// ByType holds the counts of each task type.
	ByType []StatsTypeJSON `json:"by_type"`
}

// StatsTypeJSON is one task type's counts in StatsJSON.
type StatsTypeJSON struct {
	// Type is the task type.
	Type string `json:"type"`
	// Total counts the tasks of the type.
	Total int64 `json:"total"`
	// ByStatus counts the tasks of the type by status.
	ByStatus map[string]int64 `json:"by_status"`
}
