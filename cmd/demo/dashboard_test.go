package main

import "bytes"
import "fmt"
import "io"
import "log/slog"
import "net"
import "net/http"
import "testing"

import "github.com/stretchr/testify/require"

import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/testdb"
import "github.com/yakser/asynqpg/ui"

// TestListenFallsBack checks that a taken port gives way to a free one of
// the same host, said in the output, and that other failures are errors
// naming the address.
func TestListenFallsBack(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	addr := taken.Addr().(*net.TCPAddr)

	var out bytes.Buffer
	ln, err := listen(addr.String(), &out)
	require.NoError(t, err)
	defer ln.Close()
	got := ln.Addr().(*net.TCPAddr)
	require.True(t, got.IP.Equal(addr.IP), "host %s, want %s", got.IP, addr.IP)
	require.NotEqual(t, addr.Port, got.Port)
	require.Equal(t, fmt.Sprintf("dashboard: port %d is taken; using the free port %d instead\n", addr.Port, got.Port), out.String())

	out.Reset()
	_, err = listen("192.0.2.1:8080", &out) // an address of no interface here
	require.ErrorContains(t, err, "dashboard: listen on 192.0.2.1:8080")
	require.Empty(t, out.String())
}

// TestDashboardURL checks the URL printed for each kind of address.
func TestDashboardURL(t *testing.T) {
	tests := []struct {
		addr net.TCPAddr
		want string
	}{
		{net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080/"},
		{net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000/"},
		{net.TCPAddr{IP: net.IPv4zero, Port: 9000}, "http://127.0.0.1:9000/"},
		{net.TCPAddr{IP: net.IPv6unspecified, Port: 9000}, "http://127.0.0.1:9000/"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, dashboardURL(&tt.addr), "address %s", tt.addr.String())
	}
}

// TestDashboardBasicAuth checks that with -basic-auth every request, the
// page included, needs the credentials, and that the server stops.
func TestDashboardBasicAuth(t *testing.T) {
	pgxPool := testdb.PgxPool(t, testdb.URL(t))
	opts := options{listen: "127.0.0.1:0", basicAuth: &ui.BasicAuth{Username: "admin", Password: "secret"}}
	var out bytes.Buffer
	d, err := startDashboard(pgxv5driver.New(pgxPool), opts, slog.New(slog.DiscardHandler), &out)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("dashboard: %s (basic auth as \"admin\"; served while the demo runs)\n", d.url), out.String())

	for _, path := range []string{"", "api/stats"} {
		for _, tt := range []struct {
			user, pass string
			want       int
		}{
			{"", "", http.StatusUnauthorized},
			{"admin", "wrong", http.StatusUnauthorized},
			{"admin", "secret", http.StatusOK},
		} {
			req, err := http.NewRequest(http.MethodGet, d.url+path, nil)
			require.NoError(t, err)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			require.Equal(t, tt.want, res.StatusCode, "GET /%s as %q:%q", path, tt.user, tt.pass)
		}
	}

	d.close()
	_, err = http.Get(d.url)
	require.Error(t, err, "the dashboard answers after close")
}
