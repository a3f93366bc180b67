package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newUICmd builds "ui".
func newUICmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Serve the dashboard",
		Args:  noArgs,
		RunE: action(func(*cobra.Command, []string) error {
			return errors.New("the dashboard is not available in this build")
		}),
	}
	cmd.Flags().String("listen", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().String("basic-auth", "", "require this user:password")
	return cmd
}
