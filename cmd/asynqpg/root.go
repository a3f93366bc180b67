package main

import "fmt"
import "strings"

import "github.com/spf13/cobra"

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "asynqpg",
		Short: "Inspect and manage an asynqpg task queue in PostgreSQL",
		Long: "asynqpg inspects and manages an asynqpg task queue in PostgreSQL.\n\n" +
			"The database comes from --database-url or the DATABASE_URL environment variable.\n" +
			"Exit status: 0 on success, 1 when the command failed, 2 on bad usage.",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          subcommandArgs,
		RunE:          showHelp,
	}
	root.PersistentFlags().String(flagDatabaseURL, "",
		"PostgreSQL connection URL (default: $"+envDatabaseURL+")")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err: err}
	})
	root.AddCommand(
		newMigrateCmd(),
		newStatsCmd(),
		newTasksCmd(),
		newTypesCmd(),
		newConsumersCmd(),
		newUICmd(),
		newBenchCmd(),
		newVersionCmd(),
	)
	root.SetHelpCommand(newHelpCmd())
	// cobra's completion command, with an unknown shell being bad usage.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args, c.RunE = subcommandArgs, showHelp
		}
	}
	return root
}

// newHelpCmd builds "help [command]", which, unlike cobra's, treats an
// unknown command as bad usage.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil {
				return &usageError{err: err}
			}
			if len(rest) > 0 {
				return subcommandArgs(target, rest)
			}
			return target.Help()
		},
	}
}

// group returns a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  subcommandArgs,
		RunE:  showHelp,
	}
	cmd.AddCommand(subs...)
	return cmd
}

// subcommandArgs rejects an argument that names no subcommand of a group
// (cobra would otherwise show the group's help and succeed).
func subcommandArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	cmd.SuggestionsMinimumDistance = 2
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", strings.Join(s, `" or "`))
	}
	return usagef("%s", msg)
}

// showHelp is what a group does when run without a subcommand.
func showHelp(cmd *cobra.Command, _ []string) error {
	return cmd.Help()
}

// exactArgs requires n arguments, named what in the error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
		}
		return nil
	}
}

// noArgs refuses any argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}
