package main

import "context"
import "database/sql"
import "errors"
import "fmt"
import "os"
import "time"

import "github.com/jackc/pgx/v5/pgxpool"
import "github.com/jackc/pgx/v5/stdlib"
import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/client"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"

const (
	flagDatabaseURL = "database-url"
	envDatabaseURL  = "DATABASE_URL"

	// connectTimeout bounds the first contact with the database.
	connectTimeout = 10 * time.Second
)

// errNoDatabase is returned when neither the flag nor the environment
// names a database.
var errNoDatabase = errors.New("no database: set --" + flagDatabaseURL + " or " + envDatabaseURL)

// database is an open connection pool to the database of the command line.
type database struct {
	pgx  *pgxpool.Pool
	pool asynqpg.Pool
	// where names the database in messages, without its password.
	where string
}

// databaseURL returns the URL of --database-url, else of DATABASE_URL.
func databaseURL(cmd *cobra.Command) (string, error) {
	u, err := cmd.Flags().GetString(flagDatabaseURL)
	if err != nil {
		return "", err
	}
	if u == "" {
		u = os.Getenv(envDatabaseURL)
	}
	if u == "" {
		return "", errNoDatabase
	}
	return u, nil
}

// connect opens a pool on the command line's database and checks that
// the database answers. The caller closes it.
func connect(cmd *cobra.Command) (*database, error) {
	u, err := databaseURL(cmd)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("invalid database URL: %w", err)
	}
	where := fmt.Sprintf("%s@%s:%d/%s", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	p, err := pgxpool.NewWithConfig(cmd.Context(), cfg)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", where, err)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), connectTimeout)
	defer cancel()
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("cannot reach database %s: %w", where, err)
	}
	return &database{pgx: p, pool: pgxv5driver.New(p), where: where}, nil
}

// onDatabase runs fn on a pool on the command line's database, closed
// when fn returns.
func onDatabase(cmd *cobra.Command, fn func(d *database) error) error {
	d, err := connect(cmd)
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(d)
}

// withDatabase is a command's RunE that runs fn with onDatabase.
func withDatabase(fn func(cmd *cobra.Command, d *database, args []string) error) func(*cobra.Command, []string) error {
	return action(func(cmd *cobra.Command, args []string) error {
		return onDatabase(cmd, func(d *database) error { return fn(cmd, d, args) })
	})
}

// Close closes the pool.
func (d *database) Close() { d.pgx.Close() }

// sqlDB returns a database/sql handle on the pool, for goose; the caller
// closes it.
func (d *database) sqlDB() *sql.DB { return stdlib.OpenDBFromPool(d.pgx) }

// client returns a client on the pool.
func (d *database) client() (*client.Client, error) {
	return client.New(client.Config{Pool: d.pool, Logger: quietLogger()})
}
