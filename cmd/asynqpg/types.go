package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newTypesCmd builds "types pause|resume|list".
func newTypesCmd() *cobra.Command {
	notYet := action(func(*cobra.Command, []string) error {
		return errors.New("pausing task types is not available in this build")
	})
	return group("types", "Pause, resume and list paused task types",
		&cobra.Command{Use: "pause TYPE", Short: "Stop consumers from claiming tasks of a type", Args: exactArgs(1, "a task type"), RunE: notYet},
		&cobra.Command{Use: "resume TYPE", Short: "Let consumers claim tasks of a paused type again", Args: exactArgs(1, "a task type"), RunE: notYet},
		&cobra.Command{Use: "list", Short: "List the paused task types", Args: noArgs, RunE: notYet},
	)
}
