package main

import "fmt"
import "runtime/debug"

import "github.com/spf13/cobra"

// newVersionCmd builds "version".
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of asynqpg this binary was built from",
		Args:  noArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "asynqpg", moduleVersion())
			return err
		}),
	}
}

// moduleVersion is the version of the main module recorded in the
// binary's build information: the tag "go install ...@v1.2.3" built, or
// "(devel)" for a build from a checkout.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "(devel)"
	}
	return bi.Main.Version
}
