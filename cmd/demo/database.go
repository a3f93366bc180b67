package main

import "context"
import "database/sql"
import "fmt"
import "io"

import "github.com/jackc/pgx/v5"
import _ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for migrations

import "github.com/yakser/asynqpg/internal/embeddedpg"
import "github.com/yakser/asynqpg/migrate"

// demoDatabase is the database the demo creates afresh on each run.
// Tests set another name.
var demoDatabase = "asynqpg_demo"

// database finds a server, creates a fresh demo database on it (or uses the
// one DATABASE_URL names when creating databases is not allowed), migrates
// it, and returns its URL and a function that releases everything.
func database(ctx context.Context, out io.Writer) (url string, release func(), err error) {
	srv, err := embeddedpg.Find(ctx)
	if err != nil {
		return "", nil, err
	}
	release = func() {
		if srv.Managed() {
			_ = srv.Stop()
		}
	}
	if srv.Managed() {
		fmt.Fprintf(out, "database: started a throw-away PostgreSQL cluster on port %d\n", srv.Port())
	} else {
		fmt.Fprintln(out, "database: using the PostgreSQL server found at", redact(srv.URL()))
	}

	url = srv.URL()
	if fresh, ferr := freshDatabase(ctx, srv.URL()); ferr == nil {
		url = fresh
		fmt.Fprintf(out, "database: created a fresh database %q\n", demoDatabase)
	} else {
		fmt.Fprintf(out, "database: could not create %q (%v); using the server's database as is\n", demoDatabase, ferr)
	}

	db, err := sql.Open("pgx", url)
	if err != nil {
		release()
		return "", nil, fmt.Errorf("open %s: %w", redact(url), err)
	}
	defer db.Close()
	if err := migrate.Up(ctx, db); err != nil {
		release()
		return "", nil, err
	}
	fmt.Fprintln(out, "database: migrated")
	return url, release, nil
}

// freshDatabase drops and creates the demo database and returns its URL.
func freshDatabase(ctx context.Context, adminURL string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name := pgx.Identifier{demoDatabase}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return embeddedpg.DatabaseURL(adminURL, demoDatabase)
}

// redact hides a password in a URL.
func redact(u string) string {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
