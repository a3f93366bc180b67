package reliability

import "context"
import "encoding/binary"
import "errors"
import "io"
import "net"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/jackc/pgx/v5"
import "github.com/jackc/pgx/v5/pgconn"
import "github.com/jackc/pgx/v5/pgconn/ctxwatch"
import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/internal/testdb"

// cancelRequestCode is the protocol's code of a CancelRequest message,
// the four bytes after its length.
const cancelRequestCode = 80877102

// closeInsteadOfCancel makes a pgx connection send PgBouncer no cancel
// request. PgBouncer before 1.21 (Debian 12 ships 1.18) can exit with
// "server_proto: server in bad state" when a cancel request races the
// release of the server connection (pgbouncer/pgbouncer#822), and then
// every later test through it fails to connect.
//
// pgx sends one in two cases: when a query's context ends (its default
// context watcher), and when it closes a connection that broke in the
// middle of a query (asyncClose, which sends one whatever the watcher).
// The first is replaced by a deadline on the connection, so the query's
// read fails and the connection is dropped; the second is swallowed by
// the dialer: a connection whose first message is a cancel request is
// closed without sending it. The consumers still end their queries on
// Stop; the connection is dropped instead.
func closeInsteadOfCancel(cfg *pgx.ConnConfig) {
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &noCancelConn{Conn: conn}, nil
	}
}

// noCancelConn is a connection that drops a cancel request sent as its
// first message, and passes everything else through.
type noCancelConn struct {
	net.Conn
	once            sync.Once
	isCancelRequest atomic.Bool
}

// Write implements net.Conn.
func (c *noCancelConn) Write(b []byte) (int, error) {
	c.once.Do(func() {
		c.isCancelRequest.Store(len(b) >= 8 && binary.BigEndian.Uint32(b[4:8]) == cancelRequestCode)
	})
	if c.isCancelRequest.Load() {
		_ = c.Conn.Close()
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// Read implements net.Conn: a dropped cancel request reads the end of
// the stream, as when the server closes the connection after one.
func (c *noCancelConn) Read(b []byte) (int, error) {
	if c.isCancelRequest.Load() {
		return 0, io.EOF
	}
	return c.Conn.Read(b)
}

// TestCloseInsteadOfCancel sends a cancel request for a running query
// on a connection configured by closeInsteadOfCancel, and on one that is
// not: only the second query is cancelled.
func TestCloseInsteadOfCancel(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	tests := map[string]struct {
		configure     func(*pgx.ConnConfig)
		wantCancelled bool
	}{
		"pgx's default":        {configure: func(*pgx.ConnConfig) {}, wantCancelled: true},
		"closeInsteadOfCancel": {configure: closeInsteadOfCancel, wantCancelled: false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg, err := pgx.ParseConfig(url)
			require.NoError(t, err)
			tt.configure(cfg)
			conn, err := pgx.ConnectConfig(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(func() { _ = conn.Close(context.Background()) })

			done := make(chan error, 1)
			go func() {
				_, err := conn.Exec(ctx, "SELECT pg_sleep(1)")
				done <- err
			}()
			// The cancel request names the backend; it is harmless before
			// the query starts, so send it once the query is seen running.
			check := testdb.OpenURL(t, url)
			require.Eventually(t, func() bool {
				var n int
				err := check.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`,
					conn.PgConn().PID()).Scan(&n)
				return err == nil && n == 1
			}, 10*time.Second, 5*time.Millisecond)
			require.NoError(t, conn.PgConn().CancelRequest(ctx))

			err = <-done
			var pgErr *pgconn.PgError
			cancelled := errors.As(err, &pgErr) && pgErr.Code == "57014" // query_canceled
			require.Equal(t, tt.wantCancelled, cancelled, "query error: %v", err)
			if !tt.wantCancelled {
				require.NoError(t, err)
			}
		})
	}
}
