package driver_test

import "context"
import "database/sql"
import sqldriver "database/sql/driver"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/stdlib"
import _ "github.com/lib/pq" // the "postgres" database/sql driver
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.Main(m) }

// openDB opens a *sql.DB with the named driver on a new test database.
func openDB(t *testing.T, driverName string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, testdb.URL(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.PingContext(context.Background()))
	return db
}

// forEachStdDriver runs test on a new test database through each
// database/sql driver, lib/pq and pgx's stdlib, each in its own parallel
// subtest.
func forEachStdDriver(t *testing.T, test func(t *testing.T, db *sql.DB)) {
	t.Helper()
	for _, name := range []string{"postgres", "pgx"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, openDB(t, name))
		})
	}
}

// TestStdListenerDiscardsConnection checks that a listener's connection is
// closed, not put back in the pool still subscribed.
func TestStdListenerDiscardsConnection(t *testing.T) {
	t.Parallel()
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		require.Equal(t, 1, db.Stats().OpenConnections)

		l, err := driver.NewStdExecutor(db).NewListener(ctx)
		require.NoError(t, err)
		require.NoError(t, l.Listen(ctx, "asynqpg_discard"))
		require.Equal(t, 1, db.Stats().InUse)
		require.NoError(t, l.Close(ctx))
		require.Equal(t, 0, db.Stats().InUse)
		// The listener's own connection is gone; at most the pooled
		// one its LISTEN probe sent a notification through remains.
		require.LessOrEqual(t, db.Stats().OpenConnections, 1)

		require.ErrorContains(t, l.Listen(ctx, "asynqpg_discard"), "listener closed")
	})
}

// TestStdListenerBadChannel checks channel names rejected before a
// statement is sent.
func TestStdListenerBadChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t, "pgx")
	l, err := driver.NewStdExecutor(db).NewListener(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close(ctx) })
	require.ErrorContains(t, l.Listen(ctx, ""), "empty channel name")
	require.ErrorContains(t, l.Listen(ctx, "a\x00b"), "NUL byte")
}

// wrappedConnector hands out pgx connections hidden behind another type,
// as an unknown database/sql driver would.
type wrappedConnector struct{ sqldriver.Connector }

func (c wrappedConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return wrappedConn{conn}, nil
}

type wrappedConn struct{ sqldriver.Conn }

// TestStdListenerUnknownDriver checks that another database/sql driver
// gets ErrUnsupported and its connection back in the pool.
func TestStdListenerUnknownDriver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(testdb.URL(t))
	require.NoError(t, err)
	db := sql.OpenDB(wrappedConnector{stdlib.GetConnector(*cfg)})
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.PingContext(ctx))

	l, err := driver.NewStdExecutor(db).NewListener(ctx)
	require.ErrorIs(t, err, driver.ErrUnsupported)
	require.ErrorContains(t, err, "driver_test.wrappedConn")
	require.Nil(t, l)
	require.Equal(t, 0, db.Stats().InUse)
	require.Equal(t, 1, db.Stats().OpenConnections, "the connection went back to the pool")

	// The Executor itself works on that driver.
	var one int
	require.NoError(t, driver.NewStdExecutor(db).QueryRow(ctx, `SELECT $1::int`, 1).Scan(&one))
	require.Equal(t, 1, one)
}

// subscriptions records the channels a Listener subscribed to and
// unsubscribed from, passing every call on to the real Listener.
type subscriptions struct {
	driver.Listener
	listened, unlistened []string
}

func (s *subscriptions) Listen(ctx context.Context, channel string) error {
	s.listened = append(s.listened, channel)
	return s.Listener.Listen(ctx, channel)
}

func (s *subscriptions) Unlisten(ctx context.Context, channel string) error {
	s.unlistened = append(s.unlistened, channel)
	return s.Listener.Unlisten(ctx, channel)
}

// TestProbeListenerUnsubscribes checks that the probe leaves no
// subscription behind: a notification on its channel sent after it
// returned does not reach the listener.
func TestProbeListenerUnsubscribes(t *testing.T) {
	t.Parallel()
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		l, err := driver.NewStdExecutor(db).NewListener(ctx)
		require.NoError(t, err)
		defer func() { require.NoError(t, l.Close(ctx)) }()

		rec := &subscriptions{Listener: l}
		notify := func(ctx context.Context, channel string) error {
			_, err := db.ExecContext(ctx, `SELECT pg_notify($1, 'probe')`, channel)
			return err
		}
		require.NoError(t, driver.ProbeListener(ctx, rec, notify))
		require.Len(t, rec.listened, 1)
		require.Equal(t, rec.listened, rec.unlistened)

		require.NoError(t, notify(ctx, rec.listened[0]))
		wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		n, err := l.WaitForNotification(wctx)
		require.ErrorIs(t, err, context.DeadlineExceeded, "got notification %+v", n)
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

// TestStdArrays sends arrays through the database/sql Executor and scans
// them back, on lib/pq and on pgx's stdlib: every value comes back as it
// was sent (a nil slice is sent empty), and a NULL array is scanned nil.
func TestStdArrays(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		ints  []int64
		texts []string
		blobs [][]byte
	}{
		"empty": {[]int64{}, []string{}, [][]byte{}},
		"one":   {[]int64{42}, []string{"a"}, [][]byte{{1}}},
		"awkward": {
			[]int64{-9223372036854775808, 0, 9223372036854775807},
			[]string{"", "NULL", `quo"te`, `back\slash`, "a,b", "{braces}", " space ", "é ✓", "new\nline"},
			[][]byte{{}, {0, 1, 2, 255}, []byte(`"\`), []byte("NULL")},
		},
	}
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		ex := driver.NewStdExecutor(db)
		for name, c := range cases {
			var (
				ints  []int64
				texts []string
				blobs [][]byte
			)
			err := ex.QueryRow(context.Background(), `SELECT $1::int8[], $2::text[], $3::bytea[]`,
				c.ints, c.texts, c.blobs).Scan(&ints, &texts, &blobs)
			require.NoError(t, err, name)
			require.Equal(t, c.ints, ints, name)
			require.Equal(t, c.texts, texts, name)
			require.Equal(t, c.blobs, blobs, name)
		}
		ints, texts, blobs := []int64{1}, []string{"a"}, [][]byte{{1}}
		err := ex.QueryRow(context.Background(), `SELECT NULL::int8[], NULL::text[], NULL::bytea[]`).
			Scan(&ints, &texts, &blobs)
		require.NoError(t, err)
		require.Nil(t, ints)
		require.Nil(t, texts)
		require.Nil(t, blobs)
	})
}

// TestStdArrayLiterals scans array literals of every form PostgreSQL
// writes, and malformed ones (want nil: an error), through the
// database/sql Executor's array scanners: the literal is selected as text
// and scanned into a slice.
func TestStdArrayLiterals(t *testing.T) {
	t.Parallel()
	forEachStdDriver(t, func(t *testing.T, db *sql.DB) {
		scanLiterals(t, db, map[string][]string{
			"{}":                 {},
			"{1,-2,3}":           {"1", "-2", "3"},
			`{"NULL",""}`:        {"NULL", ""},
			`{"a\"b\\c","x,y}"}`: {`a"b\c`, "x,y}"},
			"[0:1]={7,8}":        {"7", "8"},
			"{a,NULL}":           nil, // NULL has no string
			"{{1},{2}}":          nil, // multidimensional
			"1,2":                nil, // no brace
			`{"a`:                nil, // unterminated
			"{1}x":               nil, // text after the brace
		})
		scanLiterals(t, db, map[string][][]byte{
			`{"\\x00ff10","\\x"}`:       {{0, 0xff, 0x10}, {}},
			`{NULL,"a\\\\b\\001\\377"}`: {nil, {'a', '\\', 'b', 1, 0xff}},
			`{"\\xzz"}`:                 nil, // bad hex
			`{"\\999"}`:                 nil, // bad octal
			`{"ab\\"}`:                  nil, // cut escape
		})
	})
}

// scanLiterals selects each literal of cases as text and scans it into a
// []T: the result is the case's, or an error where that is nil.
func scanLiterals[T any](t *testing.T, db *sql.DB, cases map[string][]T) {
	t.Helper()
	ex := driver.NewStdExecutor(db)
	for literal, want := range cases {
		var got []T
		err := ex.QueryRow(context.Background(), `SELECT $1::text`, literal).Scan(&got)
		if want == nil {
			require.Error(t, err, literal)
			continue
		}
		require.NoError(t, err, literal)
		require.Equal(t, want, got, literal)
	}
}
