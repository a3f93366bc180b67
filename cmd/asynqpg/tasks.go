package main

import "fmt"
import "strconv"
import "unicode/utf8"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/internal/dashboard"

// newTasksCmd builds "tasks list|show|retry|cancel|delete".
func newTasksCmd() *cobra.Command {
	return group("tasks", "List, show, retry, cancel and delete tasks",
		newTasksListCmd(), newTasksShowCmd(),
		newTasksRetryCmd(), newTasksCancelCmd(), newTasksDeleteCmd())
}

// newTasksListCmd builds "tasks list".
func newTasksListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tasks, oldest first",
		Args:  noArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			statuses, _ := cmd.Flags().GetStringSlice("status")
			types, _ := cmd.Flags().GetStringSlice("type")
			limit, _ := cmd.Flags().GetInt("limit")
			q, err := newListQuery(statuses, types, limit)
			if err != nil {
				return err
			}
			return onDatabase(cmd, func(d *database) error {
				res, err := listTasks(cmd.Context(), d, q)
				return printResult(cmd, res, err, printTaskList)
			})
		}),
	}
	cmd.Flags().StringSlice("status", nil, "only tasks in these statuses (pending,running,completed,failed,cancelled)")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(dashboard.Statuses, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringSlice("type", nil, "only tasks of these types")
	cmd.Flags().Int("limit", dashboard.DefaultLimit, fmt.Sprintf("at most this many tasks (at least 1; more than %d counts as %d)", dashboard.MaxLimit, dashboard.MaxLimit))
	addJSONFlag(cmd)
	return cmd
}

// newTasksShowCmd builds "tasks show ID".
func newTasksShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show every field of one task, the messages of its attempts included",
		Args:  exactArgs(1, "a task id"),
		RunE: action(func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			return onDatabase(cmd, func(d *database) error {
				task, err := getTask(cmd.Context(), d, ids[0])
				return printResult(cmd, task, err, printTask)
			})
		}),
	}
	addJSONFlag(cmd)
	return cmd
}

// parseIDs reads task ids: positive integers.
func parseIDs(args []string) ([]int64, error) {
	ids := make([]int64, len(args))
	for i, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("malformed task id %q: want a positive integer", a)
		}
		ids[i] = id
	}
	return ids, nil
}

// payloadText shows a payload as text when it is UTF-8, else says what
// it is.
func payloadText(p []byte) string {
	switch {
	case len(p) == 0:
		return "(empty)"
	case utf8.Valid(p):
		return string(p)
	default:
		return fmt.Sprintf("(%d bytes of binary data)", len(p))
	}
}

// printTaskList prints a page of tasks as a table and how many match.
func printTaskList(cmd *cobra.Command, res *dashboard.TaskList) error {
	w := cmd.OutOrStdout()
	t := newTable(w, "ID", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS", "CREATED", "READY AT", "LAST ERROR")
	for _, task := range res.Tasks {
		lastErr := ""
		if n := len(task.Messages); n > 0 {
			lastErr = task.Messages[n-1]
		}
		t.row(strconv.FormatInt(task.ID, 10), cell(task.Type), task.Status, strconv.Itoa(task.Priority),
			fmt.Sprintf("%d/%d", task.AttemptsElapsed, task.AttemptsElapsed+task.AttemptsLeft),
			formatTime(&task.CreatedAt), formatTime(&task.BlockedTill), cell(truncate(lastErr, 60)))
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d of %d matching tasks\n", len(res.Tasks), res.Total)
	return err
}

// printTask prints every field of a task, one per line, then its
// messages and payload.
func printTask(cmd *cobra.Command, task *dashboard.TaskDetail) error {
	w := cmd.OutOrStdout()
	token := ""
	if task.IdempotencyToken != nil {
		token = *task.IdempotencyToken
	}
	t := newTable(w)
	t.row("ID", strconv.FormatInt(task.ID, 10))
	t.row("Type", cell(task.Type))
	t.row("Status", task.Status)
	t.row("Priority", strconv.Itoa(task.Priority))
	t.row("Idempotency token", cell(token))
	t.row("Attempts elapsed", strconv.Itoa(task.AttemptsElapsed))
	t.row("Attempts left", strconv.Itoa(task.AttemptsLeft))
	t.row("Created at", formatTime(&task.CreatedAt))
	t.row("Updated at", formatTime(&task.UpdatedAt))
	t.row("Ready at", formatTime(&task.BlockedTill))
	t.row("Attempted at", formatTime(task.AttemptedAt))
	t.row("Finalized at", formatTime(task.FinalizedAt))
	t.row("Payload size", fmt.Sprintf("%d bytes", task.PayloadSize))
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nMessages (%d):\n", len(task.Messages))
	for i, m := range task.Messages {
		fmt.Fprintf(w, "  %d. %s\n", i+1, m)
	}
	payload := []byte(nil)
	if task.Payload != nil {
		payload = []byte(*task.Payload)
	}
	_, err := fmt.Fprintf(w, "\nPayload:\n%s\n", payloadText(payload))
	return err
}

// truncate shortens s to at most n runes, marking a cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
