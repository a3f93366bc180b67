package main

import "context"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "net"
import "net/http"
import "strconv"
import "syscall"
import "time"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/ui"

const (
	// readHeaderTimeout bounds reading a request's headers.
	readHeaderTimeout = 10 * time.Second
	// shutdownTimeout bounds the wait for requests in flight when the
	// dashboard stops.
	shutdownTimeout = 2 * time.Second
)

// dashboard is the dashboard the demo serves while it runs.
type dashboard struct {
	url    string // what to open in a browser, ending in "/"
	srv    *http.Server
	served chan error
}

// startDashboard serves the dashboard of pool on opts.listen, or on a free
// port of the same host when that port is taken, and says where on out.
func startDashboard(pool asynqpg.Pool, opts options, logger *slog.Logger, out io.Writer) (*dashboard, error) {
	h, err := ui.NewHandler(ui.HandlerOpts{Pool: pool, Prefix: "/", BasicAuth: opts.basicAuth, Logger: logger})
	if err != nil {
		return nil, err
	}
	ln, err := listen(opts.listen, out)
	if err != nil {
		return nil, err
	}
	d := &dashboard{
		url:    dashboardURL(ln.Addr().(*net.TCPAddr)),
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout},
		served: make(chan error, 1),
	}
	go func() { d.served <- d.srv.Serve(ln) }()
	auth := "no password: it listens on this machine only"
	if opts.basicAuth != nil {
		auth = fmt.Sprintf("basic auth as %q", opts.basicAuth.Username)
	}
	fmt.Fprintf(out, "dashboard: %s (%s; served while the demo runs)\n", d.url, auth)
	return d, nil
}

// listen listens on addr; when its port is taken, on a free port of the
// same host.
func listen(addr string, out io.Writer) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	host, port, serr := net.SplitHostPort(addr)
	if serr != nil || port == "0" || !errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("dashboard: listen on %s: %w", addr, err)
	}
	ln, ferr := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if ferr != nil {
		return nil, fmt.Errorf("dashboard: listen on %s: %w; on a free port: %w", addr, err, ferr)
	}
	fmt.Fprintf(out, "dashboard: port %s is taken; using the free port %d instead\n", port, ln.Addr().(*net.TCPAddr).Port)
	return ln, nil
}

// dashboardURL is the URL of a dashboard listening on a. An address of
// every interface is reached through the loopback one.
func dashboardURL(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port)) + "/"
}

// wait blocks until ctx ends or the server fails.
func (d *dashboard) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.served:
		return fmt.Errorf("dashboard: %w", err)
	}
}

// close stops the dashboard, letting requests in flight finish for a
// moment. It may be called on a nil dashboard.
func (d *dashboard) close() {
	if d == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := d.srv.Shutdown(ctx); err != nil {
		_ = d.srv.Close()
	}
}
