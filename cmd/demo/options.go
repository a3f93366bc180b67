package main

import "errors"
import "flag"
import "fmt"
import "io"
import "net"
import "strings"

import "github.com/yakser/asynqpg/ui"

// defaultListen is where the dashboard is served unless told otherwise.
// When its port is taken, a free port of the same host is used.
const defaultListen = "127.0.0.1:8080"

// options are the demo's command line.
type options struct {
	// listen is the dashboard's address; empty when it is not served.
	listen string
	// serve keeps the dashboard up after the summary, until interrupted.
	serve bool
	// basicAuth, when set, protects the dashboard; required when listen
	// is not a loopback address.
	basicAuth *ui.BasicAuth
}

// usageError is a bad command line; main exits with status 2 on it.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// parseOptions reads the command line. -h prints the flags on errOut and
// returns flag.ErrHelp; a bad command line is a *usageError naming what is
// wrong.
func parseOptions(args []string, errOut io.Writer) (options, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error is returned, not printed
	listen := fs.String("listen", defaultListen,
		"where to serve the dashboard while the demo runs (a free port when this one is taken); \"\" or off: not at all")
	serve := fs.Bool("serve", false, "keep serving the dashboard after the summary, until interrupted")
	auth := fs.String("basic-auth", "", "user:pass the dashboard asks for (required when -listen is not a loopback address)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(errOut, "usage: go run ./cmd/demo [-listen host:port|off] [-serve] [-basic-auth user:pass]")
			fs.SetOutput(errOut)
			fs.PrintDefaults()
			return options{}, err
		}
		return options{}, &usageError{err}
	}
	if fs.NArg() > 0 {
		return options{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	o := options{listen: *listen, serve: *serve}
	if o.listen == "off" {
		o.listen = ""
	}
	if *auth != "" {
		// The value is not repeated in an error: it holds a password.
		user, pass, ok := strings.Cut(*auth, ":")
		if !ok || user == "" || pass == "" {
			return options{}, usagef("-basic-auth wants user:pass, both not empty")
		}
		o.basicAuth = &ui.BasicAuth{Username: user, Password: pass}
	}
	if err := o.check(); err != nil {
		return options{}, &usageError{err}
	}
	return o, nil
}

// check refuses the combinations that make no sense or open the dashboard
// to the network without a password.
func (o options) check() error {
	if o.listen == "" {
		if o.serve {
			return errors.New("-serve keeps the dashboard up, but -listen turns it off")
		}
		if o.basicAuth != nil {
			return errors.New("-basic-auth protects the dashboard, but -listen turns it off")
		}
		return nil
	}
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return fmt.Errorf("-listen %q: want host:port: %w", o.listen, err)
	}
	if !isLoopback(host) && o.basicAuth == nil {
		return fmt.Errorf("-listen %q is not a loopback address: the dashboard would be open to the network; give -basic-auth user:pass too", o.listen)
	}
	return nil
}

// isLoopback tells whether host names this machine only: localhost or a
// loopback IP. An empty host (every interface) is not.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
