package main

import "context"
import "database/sql"
import "fmt"
import "strconv"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/migrate"

// newMigrateCmd builds "migrate up|down|status".
func newMigrateCmd() *cobra.Command {
	up := newMigrateStepCmd("up", "Apply every migration not yet applied", "migrated", migrate.Up)
	down := newMigrateStepCmd("down", "Roll back every migration: drops the asynqpg tables and all their tasks",
		"rolled back", migrate.Down)
	status := &cobra.Command{
		Use:   "status",
		Short: "Show which migrations are applied",
		Args:  noArgs,
		RunE: withSQL(func(cmd *cobra.Command, db *sql.DB) error {
			st, err := migrate.Status(cmd.Context(), db)
			if err != nil {
				return err
			}
			t := newTable(cmd.OutOrStdout(), "VERSION", "STATE", "APPLIED AT", "FILE")
			for _, s := range st {
				applied := "-"
				if !s.AppliedAt.IsZero() {
					applied = formatTime(&s.AppliedAt)
				}
				t.row(strconv.FormatInt(s.Source.Version, 10), string(s.State), applied, cell(s.Source.Path))
			}
			return t.flush()
		}),
	}
	return group("migrate", "Apply, roll back or show the asynqpg schema migrations", up, down, status)
}

// newMigrateStepCmd builds "migrate up" or "migrate down": it runs step,
// then prints what it did (done) and the schema version it left.
func newMigrateStepCmd(use, short, done string, step func(context.Context, *sql.DB) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE: withSQL(func(cmd *cobra.Command, db *sql.DB) error {
			if err := step(cmd.Context(), db); err != nil {
				return err
			}
			return printVersion(cmd, db, done+": schema at version %d\n")
		}),
	}
}

// withSQL runs fn with a database/sql handle on the command line's database.
func withSQL(fn func(cmd *cobra.Command, db *sql.DB) error) func(*cobra.Command, []string) error {
	return withDatabase(func(cmd *cobra.Command, d *database, _ []string) error {
		db := d.sqlDB()
		defer db.Close()
		return fn(cmd, db)
	})
}

// printVersion prints the schema version with format.
func printVersion(cmd *cobra.Command, db *sql.DB, format string) error {
	v, err := migrate.Version(cmd.Context(), db)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), format, v)
	return err
}
