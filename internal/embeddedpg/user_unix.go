//go:build unix

package embeddedpg

import "bytes"
import "errors"
import "fmt"
import "os"
import "os/exec"
import "os/user"
import "strconv"
import "syscall"

// osUser is the operating-system account that runs the PostgreSQL binaries
// when this process runs as root.
type osUser struct {
	name   string
	home   string
	uid    int
	gid    int
	groups []uint32
}

// runAsUser returns the postgres account when running as root (PostgreSQL
// refuses to run as root), and nil otherwise.
func runAsUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return nil, fmt.Errorf("running as root, and PostgreSQL refuses to run as root, but there is no operating-system user %q to run it as: create one (useradd --system postgres) or run as a non-root user: %w", "postgres", err)
		}
		return nil, fmt.Errorf("look up operating-system user postgres: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("user postgres has non-numeric uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("user postgres has non-numeric gid %q: %w", u.Gid, err)
	}
	ou := &osUser{name: u.Username, home: u.HomeDir, uid: uid, gid: gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if n, err := strconv.ParseUint(id, 10, 32); err == nil {
				ou.groups = append(ou.groups, uint32(n))
			}
		}
	}
	if len(ou.groups) == 0 {
		ou.groups = []uint32{uint32(gid)}
	}
	return ou, nil
}

// setCredential makes cmd run as u.
func setCredential(cmd *exec.Cmd, u *osUser) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: u.groups},
	}
}

// processAlive reports whether a process with this PID exists and, where
// /proc tells, is not a zombie.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return false
		}
	}
	return true
}
