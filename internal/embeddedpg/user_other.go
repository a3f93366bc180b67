//go:build !unix

package embeddedpg

import "os/exec"

// osUser is unused on systems without Unix credentials.
type osUser struct {
	name string
	home string
	uid  int
	gid  int
}

// runAsUser never switches users on systems without Unix credentials.
func runAsUser() (*osUser, error) { return nil, nil }

// setCredential does nothing on systems without Unix credentials.
func setCredential(*exec.Cmd, *osUser) {}

// processAlive cannot tell on this system, so it says yes: nothing is reaped.
func processAlive(int) bool { return true }
