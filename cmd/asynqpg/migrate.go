package main

import (
	"database/sql"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/yakser/asynqpg/migrate"
)

// newMigrateCmd builds "migrate up|down|status".
func newMigrateCmd() *cobra.Command {
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every migration not yet applied",
		Args:  noArgs,
		RunE: withSQL(func(cmd *cobra.Command, db *sql.DB) error {
			if err := migrate.Up(cmd.Context(), db); err != nil {
				return err
			}
			return printVersion(cmd, db, "migrated: schema at version %d\n")
		}),
	}
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back every migration: drops the asynqpg tables and all their tasks",
		Args:  noArgs,
		RunE: withSQL(func(cmd *cobra.Command, db *sql.DB) error {
			if err := migrate.Down(cmd.Context(), db); err != nil {
				return err
			}
			return printVersion(cmd, db, "rolled back: schema at version %d\n")
		}),
	}
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

// withSQL runs fn with a database/sql handle on the command line's database.
func withSQL(fn func(cmd *cobra.Command, db *sql.DB) error) func(*cobra.Command, []string) error {
	return action(func(cmd *cobra.Command, _ []string) error {
		d, err := connect(cmd)
		if err != nil {
			return err
		}
		defer d.Close()
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
