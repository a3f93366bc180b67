package engine

import "testing"

import "github.com/jmoiron/sqlx"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"

func TestResolvePool(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t)
	tests := []struct {
		name    string
		pool    asynqpg.Pool
		wantIs  error
		wantErr string
	}{
		{"nil", nil, ErrNoPool, "database pool is required"},
		{"nil pointer", (*sqlx.DB)(nil), ErrNoPool, "database pool is required"},
		{"without its *sql.DB", sqlx.NewDb(nil, "pgx"), driver.ErrNilQuerier,
			"front: Config.Pool: driver: nil Pool or Querier: *sqlx.DB has no *sql.DB"},
		{"a database", asynqpg.WrapStdDB(db, "pgx"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := ResolvePool("front", tt.pool)
			if tt.wantIs == nil {
				require.NoError(t, err)
				require.NotNil(t, ex)
				return
			}
			require.Nil(t, ex)
			require.ErrorIs(t, err, tt.wantIs)
			require.EqualError(t, err, tt.wantErr)
		})
	}
}
