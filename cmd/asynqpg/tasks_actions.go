package main

import "context"
import "errors"
import "fmt"
import "strings"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/internal/dashboard"

// taskAction is one of the dashboard's actions on a task by id.
type taskAction func(s *dashboard.Service, ctx context.Context, id int64) (dashboard.TaskDetail, error)

// newTasksRetryCmd builds "tasks retry ID…" and "tasks retry --failed [--type T]".
func newTasksRetryCmd() *cobra.Command {
	cmd := newActionCmd("retry", "retried",
		"Make failed or cancelled tasks pending again; --failed retries every failed task",
		(*dashboard.Service).Retry)
	byID := cmd.RunE
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		failed, _ := cmd.Flags().GetBool("failed")
		typ := cmd.Flags().Changed("type")
		switch {
		case failed && len(args) > 0:
			return usagef("tasks retry takes either task ids or --failed, not both")
		case !failed && typ:
			return usagef("tasks retry: --type needs --failed")
		case !failed && len(args) == 0:
			return usagef("tasks retry needs task ids, or --failed")
		}
		return nil
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if failed, _ := cmd.Flags().GetBool("failed"); !failed {
			return byID(cmd, args)
		}
		return action(retryFailed)(cmd, args)
	}
	cmd.Flags().Bool("failed", false, "retry every failed task")
	cmd.Flags().String("type", "", "with --failed: only tasks of this type")
	return cmd
}

// newTasksCancelCmd builds "tasks cancel ID…".
func newTasksCancelCmd() *cobra.Command {
	return newActionCmd("cancel", "cancelled",
		"Cancel pending, failed or running tasks", (*dashboard.Service).Cancel)
}

// newTasksDeleteCmd builds "tasks delete ID…".
func newTasksDeleteCmd() *cobra.Command {
	return newActionCmd("delete", "deleted",
		"Delete tasks that are not running", (*dashboard.Service).Delete)
}

// newActionCmd builds a command that applies act to every task id given.
// It goes on after a task it cannot change, and fails at the end naming
// every such task.
func newActionCmd(verb, done, short string, act taskAction) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " ID...",
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("%s needs at least one task id", cmd.CommandPath())
			}
			return nil
		},
		RunE: action(func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			return onDatabase(cmd, func(d *database) error {
				s, err := d.service()
				if err != nil {
					return err
				}
				var failed []string
				for _, id := range ids {
					task, err := act(s, cmd.Context(), id)
					if err != nil {
						failed = append(failed, fmt.Sprintf("cannot %s task %d: %v", verb, id, apiError(err)))
						continue
					}
					now := task.Status
					if verb == "delete" {
						now = "gone" // the answer is the task as it was
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s task %d (%s, now %s)\n", done, id, task.Type, now)
				}
				if len(failed) > 0 {
					return errors.New(strings.Join(failed, "; "))
				}
				return nil
			})
		}),
	}
}

// retryFailed retries every failed task, or those of --type.
func retryFailed(cmd *cobra.Command, _ []string) error {
	var typ *string
	if cmd.Flags().Changed("type") {
		t, _ := cmd.Flags().GetString("type")
		typ = &t
	}
	return onDatabase(cmd, func(d *database) error {
		n, err := bulkRetryFailed(cmd.Context(), d, typ)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "retried %d failed tasks\n", n)
		return err
	})
}
