package main

import "context"
import "fmt"
import "log/slog"
import "net"
import "net/http"
import "os"
import "strings"
import "time"

import "github.com/spf13/cobra"

import "github.com/yakser/asynqpg/ui"

const (
	// serverShutdownTimeout bounds the wait for requests in flight after
	// an interrupt.
	serverShutdownTimeout = 10 * time.Second
	// readHeaderTimeout bounds reading a request's headers.
	readHeaderTimeout = 10 * time.Second
)

// newUICmd builds "ui".
func newUICmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Serve the dashboard until interrupted",
		Args:  noArgs,
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			listen, _ := cmd.Flags().GetString("listen")
			auth, err := basicAuth(cmd)
			if err != nil {
				return err
			}
			return onDatabase(cmd, func(d *database) error {
				return serveDashboard(cmd, d, listen, auth)
			})
		}),
	}
	cmd.Flags().String("listen", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	cmd.Flags().String("basic-auth", "", "require HTTP basic authentication with this user:password (or set "+envBasicAuth+
		", which ps does not show)")
	return cmd
}

// serveDashboard serves the dashboard on d at listen until interrupted.
func serveDashboard(cmd *cobra.Command, d *database, listen string, auth *ui.BasicAuth) error {
	h, err := ui.NewHandler(ui.HandlerOpts{
		Pool:      d.pool,
		BasicAuth: auth,
		Logger:    slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	return serve(cmd, listen, h, auth != nil)
}

// envBasicAuth is the environment variable that gives the dashboard's
// user:password when --basic-auth is not given. Unlike a flag, it is not
// shown to the other users of the host (ps lists a command's arguments).
const envBasicAuth = "ASYNQPG_BASIC_AUTH"

// basicAuth reads --basic-auth, else ASYNQPG_BASIC_AUTH when it is set and
// not empty. The value is not repeated in an error: it holds a password.
func basicAuth(cmd *cobra.Command) (*ui.BasicAuth, error) {
	v, from := "", "--basic-auth"
	switch env := os.Getenv(envBasicAuth); {
	case cmd.Flags().Changed("basic-auth"):
		v, _ = cmd.Flags().GetString("basic-auth")
	case env != "":
		v, from = env, envBasicAuth
	default:
		return nil, nil
	}
	user, pass, ok := strings.Cut(v, ":")
	if !ok || user == "" || pass == "" {
		return nil, usagef("invalid %s: want user:password, both not empty", from)
	}
	return &ui.BasicAuth{Username: user, Password: pass}, nil
}

// serve serves h on listen until the command's context ends, then lets
// the requests in flight finish.
func serve(cmd *cobra.Command, listen string, h http.Handler, authenticated bool) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	if host, _, err := net.SplitHostPort(ln.Addr().String()); err == nil && !authenticated && !isLoopback(host) {
		fmt.Fprintln(cmd.ErrOrStderr(), "asynqpg: warning: the dashboard is reachable from other hosts without --basic-auth or "+envBasicAuth)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "dashboard on http://%s/ (interrupt to stop)\n", ln.Addr())

	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-cmd.Context().Done():
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), serverShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		// Requests still running after the timeout are cut off.
		_ = srv.Close()
	}
	return nil
}

// isLoopback tells whether host is a loopback address.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
