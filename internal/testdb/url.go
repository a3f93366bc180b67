package testdb

import "context"
import "fmt"
import "os"
import "testing"
import "time"

import "github.com/yakser/asynqpg/internal/embeddedpg"

// NewURL creates a brand-new database, a clone of the migrated template
// (the same as [URL] gives a test), and returns its connection URL and a
// function that drops it. It needs no *testing.T, so TestMain can use it;
// the caller must call drop, then let [Main] (or [MainWithURL]) shut the
// server down.
func NewURL(ctx context.Context) (url string, drop func() error, err error) {
	admin, baseURL, template, err := setup(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("testdb: %w\n%s", err, hint)
	}
	name := testPrefix + randomHex(8)
	u, err := embeddedpg.DatabaseURL(baseURL, name)
	if err != nil {
		return "", nil, fmt.Errorf("testdb: %w (DATABASE_URL must be a postgres:// URL)", err)
	}
	if err := createFromTemplate(ctx, admin, name, template); err != nil {
		return "", nil, fmt.Errorf("testdb: create database %s: %w", name, err)
	}
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			return fmt.Errorf("testdb: drop database %s: %w", name, err)
		}
		return nil
	}
	return u, drop, nil
}

// MainWithURL is [Main] for a package whose examples connect the way
// applications do, with os.Getenv("DATABASE_URL"): before the tests run it
// sets DATABASE_URL to a brand-new migrated database of [NewURL], which it
// drops once they have run. The package's tests still get databases of
// their own from [URL] and [Open]. When no database can be created it
// reports why and exits with status 1 without running anything, so no
// example ever runs on the database DATABASE_URL named before.
func MainWithURL(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	u, drop, err := NewURL(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		if serr := shutdown(); serr != nil {
			fmt.Fprintf(os.Stderr, "testdb: %v\n", serr)
		}
		os.Exit(1)
	}
	code := run(m, u)
	if err := drop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
	}
	os.Exit(code)
}

// run runs the tests with DATABASE_URL set to u, and restores it after.
func run(m *testing.M, u string) int {
	old, had := os.LookupEnv("DATABASE_URL")
	if err := os.Setenv("DATABASE_URL", u); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: set DATABASE_URL: %v\n", err)
		return 1
	}
	defer func() {
		if had {
			_ = os.Setenv("DATABASE_URL", old)
		} else {
			_ = os.Unsetenv("DATABASE_URL")
		}
	}()
	return m.Run()
}
