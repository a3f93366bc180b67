package main

import "strings"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testdb"

// TestUsageErrors: a wrong command line exits with 2 and one line on
// stderr, before any database is contacted (DATABASE_URL points nowhere).
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	const nowhere = "postgres://postgres@127.0.0.1:1/none"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"bogus"}, `unknown command "bogus" for "asynqpg"`},
		{"unknown subcommand", []string{"tasks", "lst"}, `unknown command "lst" for "asynqpg tasks" (did you mean "list"?)`},
		{"unknown migrate subcommand", []string{"migrate", "sideways"}, `unknown command "sideways"`},
		{"unknown shell", []string{"completion", "tcsh"}, `unknown command "tcsh" for "asynqpg completion"`},
		{"help on an unknown command", []string{"help", "tasks", "lst"}, `unknown command "lst" for "asynqpg tasks"`},
		{"missing flag value", []string{"stats", "--database-url"}, "flag needs an argument: --database-url"},
		{"unknown flag", []string{"stats", "--bogus"}, "unknown flag: --bogus"},
		{"unknown shorthand", []string{"tasks", "list", "-x"}, "unknown shorthand flag: 'x'"},
		{"flag value", []string{"tasks", "list", "--limit", "many"}, `"many"`},
		{"bench flag value", []string{"bench", "-workers", "lots"}, `"lots"`},
		{"show without id", []string{"tasks", "show"}, "takes 1 argument(s)"},
		{"show two ids", []string{"tasks", "show", "1", "2"}, "got 2"},
		{"show malformed id", []string{"tasks", "show", "abc"}, `malformed task id "abc"`},
		{"show zero id", []string{"tasks", "show", "0"}, `malformed task id "0"`},
		{"show id past int64", []string{"tasks", "show", "9223372036854775808"}, `malformed task id "9223372036854775808"`},
		{"cancel without id", []string{"tasks", "cancel"}, "needs at least one task id"},
		{"delete malformed id", []string{"tasks", "delete", "1", "x2"}, `malformed task id "x2"`},
		{"retry without id", []string{"tasks", "retry"}, "needs task ids, or --failed"},
		{"retry ids and failed", []string{"tasks", "retry", "--failed", "1"}, "either task ids or --failed"},
		{"type without failed", []string{"tasks", "retry", "--type", "a", "1"}, "--type needs --failed"},
		{"argument to migrate up", []string{"migrate", "up", "now"}, `takes no arguments, got "now"`},
		{"argument to stats", []string{"stats", "all"}, "takes no arguments"},
		{"pause without type", []string{"types", "pause"}, "takes 1 argument(s)"},
		{"basic auth without password", []string{"ui", "--basic-auth", "admin"}, "invalid --basic-auth: want user:password"},
		{"basic auth without user", []string{"ui", "--basic-auth", ":secret"}, "invalid --basic-auth"},
		{"argument to version", []string{"version", "x"}, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nowhere, tt.args...)
			requireFailure(t, r, exitUsage, tt.want)
			require.Empty(t, r.stdout)
		})
	}
}

// TestErrors: a command that cannot do its work exits with 1 and one
// line on stderr naming the problem.
func TestErrors(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	empty := emptyDatabase(t)
	tests := []struct {
		name string
		url  string
		args []string
		want []string
	}{
		{"no database", "", []string{"stats"}, []string{"--database-url", "DATABASE_URL"}},
		{"unreachable database", "postgres://postgres@127.0.0.1:1/none", []string{"tasks", "list"},
			[]string{"cannot reach database postgres@127.0.0.1:1/none"}},
		{"malformed database URL", "postgres://host:notaport/x", []string{"stats"}, []string{"invalid database URL"}},
		{"unknown task", url, []string{"tasks", "show", "987654"}, []string{"task 987654", "task not found"}},
		{"retry unknown task", url, []string{"tasks", "retry", "987654"}, []string{"cannot retry task 987654: task not found"}},
		{"bad status", url, []string{"tasks", "list", "--status", "pending,finished"}, []string{`invalid status: "finished"`}},
		{"bad limit", url, []string{"tasks", "list", "--limit", "0"}, []string{`limit must be a positive integer, got "0"`}},
		{"bad bench count", url, []string{"bench", "-n", "0"}, []string{"invalid -n 0"}},
		{"bad bench workers", url, []string{"bench", "-workers", "-3"}, []string{"invalid -workers -3"}},
		{"schema not migrated", empty, []string{"stats"}, []string{`not migrated in this database, or not up to date: run "asynqpg migrate up"`}},
		{"schema not migrated, tasks", empty, []string{"tasks", "list"}, []string{`run "asynqpg migrate up"`}},
		{"schema not migrated, types", empty, []string{"types", "list"}, []string{`run "asynqpg migrate up"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, tt.url, tt.args...)
			requireFailure(t, r, exitError, tt.want...)
		})
	}
	t.Run("flag wins over the environment", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, "postgres://postgres@127.0.0.1:1/none", "--database-url", url, "stats")
		requireOK(t, r)
	})
}

// TestHelp: help and a group without a subcommand print usage and succeed.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {}, {"tasks"}, {"help", "tasks"}, {"tasks", "list", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", args...)
			requireOK(t, r)
			require.Contains(t, r.stdout, "Usage:")
		})
	}
}
