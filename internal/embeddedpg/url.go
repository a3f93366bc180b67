package embeddedpg

import "context"
import "errors"
import "fmt"
import "net"
import "net/url"
import "strconv"
import "time"

import "github.com/jackc/pgx/v5"

// probePort is the port of the conventional local server; tests change it.
var probePort = localPort

// probe reports whether url accepts a connection and a trivial query within
// timeout.
func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var one int
	return conn.QueryRow(ctx, "select 1").Scan(&one)
}

// adminURL is the URL of database postgres as user postgres, no password.
func adminURL(host string, port int) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort(host, strconv.Itoa(port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// portOf extracts the port from a postgres URL, 5432 when the URL has a host
// but no port, and 0 when it is not a URL.
func portOf(raw string) int {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return 0
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0
		}
		return n
	}
	return localPort
}

// DatabaseURL returns baseURL with its database name replaced by dbName.
// baseURL must be a postgres:// or postgresql:// URL.
func DatabaseURL(baseURL, dbName string) (string, error) {
	if dbName == "" {
		return "", errors.New("embeddedpg: empty database name")
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("embeddedpg: parse database URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("embeddedpg: database URL must start with postgres:// or postgresql://, got scheme %q", u.Scheme)
	}
	u.Path = "/" + dbName
	u.RawPath = ""
	return u.String(), nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(localHost, "0"))
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
