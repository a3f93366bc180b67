package main

import "context"
import "fmt"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/client"

// newTypesCmd builds "types pause|resume|list".
func newTypesCmd() *cobra.Command {
	pause := newTypeSwitchCmd("pause", "Stop every consumer from claiming tasks of a type (running ones finish)",
		"paused", (*client.Client).PauseTaskType)
	resume := newTypeSwitchCmd("resume", "Let consumers claim tasks of a paused type again",
		"resumed", (*client.Client).ResumeTaskType)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the paused task types, one per line",
		Args:  noArgs,
		RunE: withClient(func(cmd *cobra.Command, c *client.Client, _ []string) error {
			types, err := c.ListPausedTaskTypes(cmd.Context())
			if err != nil {
				return err
			}
			if wantJSON(cmd) {
				return printJSON(cmd.OutOrStdout(), types)
			}
			for _, t := range types {
				if _, err := fmt.Fprintln(cmd.OutOrStdout(), t); err != nil {
					return err
				}
			}
			return nil
		}),
	}
	list.Flags().Bool(flagJSON, false, "print a JSON array of the type names")
	return group("types", "Pause, resume and list paused task types", pause, resume, list)
}

// newTypeSwitchCmd builds "types pause TYPE" or "types resume TYPE": it
// applies set to the type and says so (done).
func newTypeSwitchCmd(verb, short, done string, set func(*client.Client, context.Context, string) error) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " TYPE",
		Short: short,
		Args:  exactArgs(1, "a task type"),
		RunE: withClient(func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := set(c, cmd.Context(), args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", done, args[0])
			return err
		}),
	}
}

// withClient runs fn with a client on the command line's database.
func withClient(fn func(cmd *cobra.Command, c *client.Client, args []string) error) func(*cobra.Command, []string) error {
	return withDatabase(func(cmd *cobra.Command, d *database, args []string) error {
		c, err := d.client()
		if err != nil {
			return err
		}
		return fn(cmd, c, args)
	})
}
