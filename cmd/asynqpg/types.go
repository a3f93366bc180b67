package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/yakser/asynqpg/client"
)

// newTypesCmd builds "types pause|resume|list".
func newTypesCmd() *cobra.Command {
	pause := &cobra.Command{
		Use:   "pause TYPE",
		Short: "Stop every consumer from claiming tasks of a type (running ones finish)",
		Args:  exactArgs(1, "a task type"),
		RunE: withClient(func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.PauseTaskType(cmd.Context(), args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "paused %s\n", args[0])
			return err
		}),
	}
	resume := &cobra.Command{
		Use:   "resume TYPE",
		Short: "Let consumers claim tasks of a paused type again",
		Args:  exactArgs(1, "a task type"),
		RunE: withClient(func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.ResumeTaskType(cmd.Context(), args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "resumed %s\n", args[0])
			return err
		}),
	}
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

// withClient runs fn with a client on the command line's database.
func withClient(fn func(cmd *cobra.Command, c *client.Client, args []string) error) func(*cobra.Command, []string) error {
	return action(func(cmd *cobra.Command, args []string) error {
		d, err := connect(cmd)
		if err != nil {
			return err
		}
		defer d.Close()
		c, err := d.client()
		if err != nil {
			return err
		}
		return fn(cmd, c, args)
	})
}
