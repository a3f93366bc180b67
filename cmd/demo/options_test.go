package main

import "bytes"
import "errors"
import "flag"
import "testing"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/ui"

// TestParseOptions checks the command line: the defaults, turning the
// dashboard off, and the refusals, each naming what is wrong.
func TestParseOptions(t *testing.T) {
	admin := &ui.BasicAuth{Username: "admin", Password: "s:cret"}
	tests := []struct {
		name    string
		args    []string
		want    options
		wantErr []string // substrings of the error; nil: no error
	}{
		{name: "defaults", want: options{listen: "127.0.0.1:8080"}},
		{name: "serve", args: []string{"-serve"}, want: options{listen: "127.0.0.1:8080", serve: true}},
		{name: "off", args: []string{"-listen", "off"}, want: options{}},
		{name: "empty", args: []string{"-listen", ""}, want: options{}},
		{name: "localhost", args: []string{"-listen", "localhost:9000"}, want: options{listen: "localhost:9000"}},
		{name: "ipv6 loopback", args: []string{"-listen", "[::1]:0"}, want: options{listen: "[::1]:0"}},
		{name: "loopback with auth", args: []string{"-basic-auth", "admin:s:cret"},
			want: options{listen: "127.0.0.1:8080", basicAuth: admin}},
		{name: "network with auth", args: []string{"-listen", ":9000", "-basic-auth", "admin:s:cret", "-serve"},
			want: options{listen: ":9000", basicAuth: admin, serve: true}},
		{name: "network without auth", args: []string{"-listen", "0.0.0.0:9000"},
			wantErr: []string{`-listen "0.0.0.0:9000" is not a loopback address`, "-basic-auth"}},
		{name: "every interface without auth", args: []string{"-listen", ":9000"},
			wantErr: []string{`-listen ":9000" is not a loopback address`}},
		{name: "host name without auth", args: []string{"-listen", "example.com:80"},
			wantErr: []string{`"example.com:80" is not a loopback address`}},
		{name: "no port", args: []string{"-listen", "127.0.0.1"}, wantErr: []string{`-listen "127.0.0.1": want host:port`}},
		{name: "auth without password", args: []string{"-basic-auth", "admin:"}, wantErr: []string{"-basic-auth wants user:pass"}},
		{name: "auth without colon", args: []string{"-basic-auth", "admin"}, wantErr: []string{"-basic-auth wants user:pass"}},
		{name: "serve without dashboard", args: []string{"-listen", "off", "-serve"}, wantErr: []string{"-serve", "-listen turns it off"}},
		{name: "auth without dashboard", args: []string{"-listen", "off", "-basic-auth", "a:b"}, wantErr: []string{"-basic-auth", "-listen turns it off"}},
		{name: "argument", args: []string{"now"}, wantErr: []string{`unexpected argument "now"`}},
		{name: "unknown flag", args: []string{"-port", "1"}, wantErr: []string{"-port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			got, err := parseOptions(tt.args, &errOut)
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
				return
			}
			var usage *usageError
			require.ErrorAs(t, err, &usage)
			for _, want := range tt.wantErr {
				require.Contains(t, err.Error(), want)
			}
			require.NotContains(t, err.Error(), "s:cret", "an error repeats the password")
			require.Equal(t, options{}, got)
		})
	}
}

// TestParseOptionsHelp checks that -h prints the flags and is not a
// usage error.
func TestParseOptionsHelp(t *testing.T) {
	var errOut bytes.Buffer
	_, err := parseOptions([]string{"-h"}, &errOut)
	require.True(t, errors.Is(err, flag.ErrHelp), "error %v", err)
	var usage *usageError
	require.False(t, errors.As(err, &usage))
	for _, name := range []string{"-listen", "-serve", "-basic-auth"} {
		require.Contains(t, errOut.String(), name)
	}
}
