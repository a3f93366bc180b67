package main

import "context"
import "errors"
import "fmt"
import "io"
import "strings"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg"

// Exit statuses of the command.
const (
	exitOK    = 0 // the command did what it was asked
	exitError = 1 // the command failed: database unreachable, unknown task, ...
	exitUsage = 2 // the command line itself is wrong
)

// usageError is a mistake in the command line: an unknown command or
// flag, a wrong number of arguments, a malformed task id.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// errNotMigrated replaces the errors of a database without the asynqpg
// tables, or without those of a later version, which say it at length.
var errNotMigrated = errors.New(`asynqpg schema not migrated in this database, or not up to date: run "asynqpg migrate up"`)

// failure is an error of a command that was run as intended: the exit
// status is 1. Every other error cobra returns is a usage error.
type failure struct{ err error }

func (e *failure) Error() string { return e.err.Error() }
func (e *failure) Unwrap() error { return e.err }

// action adapts a command's work to cobra: the errors fn returns mean
// exit status 1, except usage errors, which mean 2.
func action(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		var u *usageError
		if err == nil || errors.As(err, &u) {
			return err
		}
		if errors.Is(err, asynqpg.ErrSchemaNotMigrated) {
			err = errNotMigrated
		}
		return &failure{err: err}
	}
}

// execute runs the command line args and returns the exit status. An
// error is written to stderr as one line.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(singleDashLongFlags(append([]string{}, args...)))
	root.SetOut(stdout)
	root.SetErr(stderr)
	_, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "asynqpg: "+oneLine(err.Error()))
	var f *failure
	if errors.As(err, &f) {
		return exitError
	}
	return exitUsage
}

// oneLine joins the lines of a message, so that an error is always one
// line on stderr.
func oneLine(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}

// singleDashLongFlags lets "bench -workers 8" mean "bench --workers 8",
// the spelling of Go's flag package, which pflag would read as the
// shorthands -w -o -r ...
func singleDashLongFlags(args []string) []string {
	bench := false
	for i, a := range args {
		switch {
		case a == "--":
			return args
		case a == "bench":
			bench = true
		case bench && (a == "-workers" || strings.HasPrefix(a, "-workers=")):
			args[i] = "-" + a
		}
	}
	return args
}
