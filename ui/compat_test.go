package ui_test

import "context"
import "errors"
import "log/slog"
import "net/http"
import "testing"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/ui"
import "github.com/yakser/asynqpg/ui/uiauth"

// Programs written against the original's package ui build unchanged:
// these declarations use its names and types the way such programs do.
var (
	_ func(ui.HandlerOpts) (http.Handler, error) = ui.NewHandler
	_ func(context.Context) *ui.User             = ui.UserFromContext
	_ func(context.Context) *uiauth.User         = ui.UserFromContext
	_ ui.SessionStore                            = ui.NewMemorySessionStore()
	_ ui.SessionStore                            = (*ui.PostgresSessionStore)(nil)
	_ ui.AuthProvider                            = provider{}
	_                                            = ui.HandlerOpts{
		Pool:                 asynqpg.Pool(nil),
		Prefix:               "/",
		Logger:               slog.Default(),
		BasicAuth:            &ui.BasicAuth{Username: "u", Password: "p"},
		AuthProviders:        []ui.AuthProvider{provider{}},
		SessionStore:         ui.NewMemorySessionStore(),
		SessionMaxAge:        time.Hour,
		SecureCookies:        true,
		HidePayloadByDefault: true,
		AllowedOrigins:       []string{"https://a.example"},
		Version:              "v1.0.0",
	}
	_ = ui.Session{Token: "t", User: uiauth.User{ID: "1"}}
	_ = ui.ListTasksParams{IdempotencyToken: ui.IdempotencyHas}
	_ = ui.TaskListResult{Tasks: []ui.TaskListItem{}}
	_ = []ui.TaskTypeStat{}
	_ = ui.LeaderRow{}
)

type provider struct{}

func (provider) ID() string                                                   { return "p" }
func (provider) DisplayName() string                                          { return "P" }
func (provider) IconURL() string                                              { return "" }
func (provider) BeginAuth(http.ResponseWriter, *http.Request, string, string) {}
func (provider) CompleteAuth(http.ResponseWriter, *http.Request) (*uiauth.User, error) {
	return &ui.User{}, nil
}

func TestSentinelsAreShared(t *testing.T) {
	if !errors.Is(ui.ErrSessionNotFound, uiauth.ErrSessionNotFound) || ui.ErrNoLeader == nil {
		t.Fatal("ui and uiauth sentinels differ")
	}
	_, err := ui.NewMemorySessionStore().Get(context.Background(), "missing")
	if err != ui.ErrSessionNotFound {
		t.Fatalf("Get of a missing session = %v, want the bare sentinel", err)
	}
}
