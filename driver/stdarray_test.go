package driver_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg/driver"
)

// TestStdArrays sends arrays through the database/sql Executor and scans
// them back, on lib/pq and on pgx's stdlib: every value comes back as it
// was sent, and a nil array is NULL.
func TestStdArrays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ints    []int64
		strings []string
		bytes   [][]byte
	}{
		{"empty", []int64{}, []string{}, [][]byte{}},
		{"nil", nil, nil, nil},
		{"one", []int64{42}, []string{"a"}, [][]byte{{1}}},
		{
			name:    "awkward",
			ints:    []int64{-9223372036854775808, 0, 9223372036854775807},
			strings: []string{"", "NULL", `quo"te`, `back\slash`, "a,b", "{braces}", " space ", "é ✓", "new\nline"},
			bytes:   [][]byte{{}, {0, 1, 2, 255}, []byte(`"\`), []byte("NULL")},
		},
	}
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		ex := driver.NewStdExecutor(db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var (
					ints    []int64
					strings []string
					bytes   [][]byte
				)
				err := ex.QueryRow(context.Background(), `SELECT $1::int8[], $2::text[], $3::bytea[]`,
					tt.ints, tt.strings, tt.bytes).Scan(&ints, &strings, &bytes)
				require.NoError(t, err)
				if tt.ints == nil {
					// NormalizeArgs sends a nil slice empty.
					require.Empty(t, ints)
					require.Empty(t, strings)
					require.Empty(t, bytes)
					return
				}
				require.Equal(t, tt.ints, ints)
				require.Equal(t, tt.strings, strings)
				require.Equal(t, tt.bytes, bytes)
			})
		}
	})
}

// TestStdArrayNull scans a NULL array as nil, on both drivers.
func TestStdArrayNull(t *testing.T) {
	t.Parallel()
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		ints, strings, bytes := []int64{1}, []string{"a"}, [][]byte{{1}}
		err := driver.NewStdExecutor(db).QueryRow(context.Background(),
			`SELECT NULL::int8[], NULL::text[], NULL::bytea[]`).Scan(&ints, &strings, &bytes)
		require.NoError(t, err)
		require.Nil(t, ints)
		require.Nil(t, strings)
		require.Nil(t, bytes)
	})
}

// TestStdListenerReceives checks that a listener on either driver gets a
// notification's channel and payload.
func TestStdListenerReceives(t *testing.T) {
	t.Parallel()
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ex := driver.NewStdExecutor(db)
		l, err := ex.NewListener(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = l.Close(context.Background()) })
		require.NoError(t, l.Listen(ctx, "asynqpg_receive"))
		_, err = ex.Exec(ctx, `SELECT pg_notify('asynqpg_receive', 'payload ✓')`)
		require.NoError(t, err)
		n, err := l.WaitForNotification(ctx)
		require.NoError(t, err)
		require.Equal(t, &driver.Notification{Channel: "asynqpg_receive", Payload: "payload ✓"}, n)
	})
}
