package asynqpg_test

import "database/sql"
import "testing"

import "github.com/jmoiron/sqlx"
import _ "github.com/lib/pq" // registers the "postgres" driver; sql.Open does not connect
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"

func TestWrapStdDB(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		driverName string
	}{
		{"lib/pq", "postgres"},
		{"pgx stdlib name", "pgx"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			db, err := sql.Open("postgres", "postgres://127.0.0.1:1/none?sslmode=disable")
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })

			pool := asynqpg.WrapStdDB(db, tt.driverName)
			require.NotNil(t, pool)

			sdb, ok := pool.(*sqlx.DB)
			require.True(t, ok)
			require.Same(t, db, sdb.DB)
			require.Equal(t, tt.driverName, sdb.DriverName())
			require.Equal(t, sqlx.DOLLAR, sqlx.BindType(sdb.DriverName()))
		})
	}
}
