package ui_test

import "context"
import "database/sql"
import "fmt"
import "log"
import "net/http"
import "os"

import _ "github.com/jackc/pgx/v5/stdlib"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/ui"

// The dashboard mounted under /asynqpg of an application's own server,
// behind basic auth.
func ExampleNewHandler() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := ui.NewHandler(ui.HandlerOpts{
		Pool:      asynqpg.WrapStdDB(db, "pgx"),
		Prefix:    "/asynqpg",
		BasicAuth: &ui.BasicAuth{Username: "admin", Password: os.Getenv("DASHBOARD_PASSWORD")},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/asynqpg/", h)
	_ = http.ListenAndServe(":8080", mux)
}

// Sessions kept in PostgreSQL survive restarts and are shared by every
// replica.
func ExampleNewPostgresSessionStore() {
	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	pool := asynqpg.WrapStdDB(db, "pgx")
	store, err := ui.NewPostgresSessionStore(pool)
	if err != nil {
		log.Fatal(err)
	}
	_, _ = ui.NewHandler(ui.HandlerOpts{
		Pool:          pool,
		SessionStore:  store,
		SecureCookies: true,
		// AuthProviders: your OAuth providers.
	})
}

// A request that did not go through an OAuth sign-in has no user.
func ExampleUserFromContext() {
	fmt.Println(ui.UserFromContext(context.Background()) == nil)
	// Output: true
}
