package taskdb

import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/client"

// ListedIDs returns the IDs of a page of listed tasks, in the order
// listed, after checking that the page is not nil and that each task is
// listed as stored reads it from the table.
func ListedIDs(t testing.TB, tasks []*client.TaskInfo, stored func(testing.TB, int64) *client.TaskInfo) []int64 {
	t.Helper()
	require.NotNil(t, tasks)
	ids := make([]int64, len(tasks))
	for i, ti := range tasks {
		ids[i] = ti.ID
		require.Equal(t, stored(t, ti.ID), ti)
	}
	return ids
}
