package main

import "testing"

import "github.com/stretchr/testify/require"

// TestVersion: a build from a checkout has no module version.
func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "", "version")
	requireOK(t, r)
	require.Equal(t, "asynqpg (devel)\n", r.stdout)
}

// TestCompletion: cobra's completion scripts for the usual shells.
func TestCompletion(t *testing.T) {
	t.Parallel()
	tests := []struct{ shell, want string }{
		{"bash", "__start_asynqpg"},
		{"zsh", "#compdef asynqpg"},
		{"fish", "complete -c asynqpg"},
		{"powershell", "Register-ArgumentCompleter"},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", "completion", tt.shell)
			requireOK(t, r)
			require.Contains(t, r.stdout, tt.want)
		})
	}
	t.Run("subcommands complete", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, "", "__complete", "tasks", "")
		require.Equal(t, 0, r.code, r.stderr)
		for _, sub := range []string{"list", "show", "retry", "cancel", "delete"} {
			require.Contains(t, r.stdout, sub+"\t")
		}
	})
	t.Run("status names complete", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, "", "__complete", "tasks", "list", "--status", "")
		require.Equal(t, 0, r.code, r.stderr)
		require.Equal(t, "pending\nrunning\ncompleted\nfailed\ncancelled\n:4\n", r.stdout)
	})
}
