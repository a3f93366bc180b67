package main

import "context"
import "fmt"
import "io"
import "sort"
import "strings"
import "text/tabwriter"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"

var statuses = []asynqpg.TaskStatus{
	asynqpg.TaskStatusPending, asynqpg.TaskStatusRunning, asynqpg.TaskStatusCompleted,
	asynqpg.TaskStatusFailed, asynqpg.TaskStatusCancelled,
}

// countByStatus counts tasks per status through the client API.
func countByStatus(ctx context.Context, cl *client.Client) (map[asynqpg.TaskStatus]int, error) {
	counts := make(map[asynqpg.TaskStatus]int, len(statuses))
	for _, s := range statuses {
		res, err := cl.ListTasks(ctx, client.NewListParams().States(s).Limit(1))
		if err != nil {
			return nil, fmt.Errorf("list %s tasks: %w", s, err)
		}
		counts[s] = res.Total
	}
	return counts, nil
}

// summary prints a table of tasks by type and status, and one failed
// task's messages.
func summary(ctx context.Context, out io.Writer, cl *client.Client) error {
	res, err := cl.ListTasks(ctx, client.NewListParams().Limit(10000))
	if err != nil {
		return fmt.Errorf("list tasks: %w", err)
	}
	table := map[string]map[asynqpg.TaskStatus]int{}
	var failed *client.TaskInfo
	for _, t := range res.Tasks {
		if table[t.Type] == nil {
			table[t.Type] = map[asynqpg.TaskStatus]int{}
		}
		table[t.Type][t.Status]++
		if t.Status == asynqpg.TaskStatusFailed && t.Type == typePayment && failed == nil {
			failed = t
		}
	}
	types := make([]string, 0, len(table))
	for typ := range table {
		types = append(types, typ)
	}
	sort.Strings(types)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"type"}
	for _, s := range statuses {
		header = append(header, string(s))
	}
	fmt.Fprintln(tw, strings.Join(append(header, "total"), "\t")+"\t")
	totals := map[asynqpg.TaskStatus]int{}
	for _, typ := range types {
		row := []string{typ}
		sum := 0
		for _, s := range statuses {
			n := table[typ][s]
			totals[s] += n
			sum += n
			row = append(row, fmt.Sprint(n))
		}
		fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(sum)), "\t")+"\t")
	}
	row := []string{"all"}
	for _, s := range statuses {
		row = append(row, fmt.Sprint(totals[s]))
	}
	fmt.Fprintln(tw, strings.Join(append(row, fmt.Sprint(len(res.Tasks))), "\t")+"\t")
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed != nil {
		fmt.Fprintf(out, "\ntask %d (%s) failed after %d attempts: %s\n",
			failed.ID, failed.Type, failed.AttemptsElapsed, strings.Join(failed.Messages, "; "))
	}
	return nil
}
