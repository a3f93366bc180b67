package engine

import "database/sql"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"

func TestNewMaintainerValidates(t *testing.T) {
	t.Parallel()
	ex := driver.NewStdExecutor(&sql.DB{})
	tests := []struct {
		name    string
		cfg     MaintainerConfig
		wantErr string
	}{
		{"no executor", MaintainerConfig{ClientID: "c"}, "Executor is required"},
		{"no client ID", MaintainerConfig{Executor: ex}, "ClientID is required"},
		{"negative TTL", MaintainerConfig{Executor: ex, ClientID: "c", LeaderTTL: -time.Second}, "LeaderTTL must not be negative"},
		{"negative elect interval", MaintainerConfig{Executor: ex, ClientID: "c", ElectInterval: -1}, "ElectInterval must not be negative"},
		{"negative janitor interval", MaintainerConfig{Executor: ex, ClientID: "c", JanitorInterval: -1}, "JanitorInterval must not be negative"},
		{"negative stuck threshold", MaintainerConfig{Executor: ex, ClientID: "c", StuckThreshold: -1}, "StuckThreshold must not be negative"},
		{"negative completed retention", MaintainerConfig{Executor: ex, ClientID: "c", CompletedRetention: -1}, "CompletedRetention must not be negative"},
		{"negative failed retention", MaintainerConfig{Executor: ex, ClientID: "c", FailedRetention: -1}, "FailedRetention must not be negative"},
		{"negative cancelled retention", MaintainerConfig{Executor: ex, ClientID: "c", CancelledRetention: -1}, "CancelledRetention must not be negative"},
		{"negative batch size", MaintainerConfig{Executor: ex, ClientID: "c", BatchSize: -1}, "BatchSize must not be negative"},
		{"elect interval too long for the default TTL", MaintainerConfig{Executor: ex, ClientID: "c", ElectInterval: 12 * time.Second},
			"ElectInterval (12s) must be shorter than 4/5 of LeaderTTL (12s)"},
		{"elect interval longer than TTL", MaintainerConfig{Executor: ex, ClientID: "c", LeaderTTL: time.Second, ElectInterval: 2 * time.Second},
			"ElectInterval (2s) must be shorter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewMaintainer(tt.cfg)
			require.ErrorContains(t, err, tt.wantErr)
			require.Nil(t, m)
		})
	}
}

func TestNewMaintainerDefaults(t *testing.T) {
	t.Parallel()
	ex := driver.NewStdExecutor(&sql.DB{})
	m, err := NewMaintainer(MaintainerConfig{Executor: ex, ClientID: "c"})
	require.NoError(t, err)
	got := m.cfg
	require.Equal(t, "default", got.LeaderName)
	require.Equal(t, 15*time.Second, got.LeaderTTL)
	require.Equal(t, 5*time.Second, got.ElectInterval)
	require.Equal(t, 30*time.Second, got.JanitorInterval)
	require.Equal(t, time.Minute, got.StuckThreshold)
	require.Equal(t, 24*time.Hour, got.CompletedRetention)
	require.Equal(t, 7*24*time.Hour, got.FailedRetention)
	require.Equal(t, 24*time.Hour, got.CancelledRetention)
	require.Equal(t, 1000, got.BatchSize)
	require.NotNil(t, got.Logger)
	require.Equal(t, 3*time.Second, m.elector.margin)

	m, err = NewMaintainer(MaintainerConfig{Executor: ex, ClientID: "c", LeaderTTL: 3 * time.Second})
	require.NoError(t, err)
	require.Equal(t, time.Second, m.cfg.ElectInterval, "ElectInterval defaults to a third of LeaderTTL")
}
