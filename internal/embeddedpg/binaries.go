package embeddedpg

import "errors"
import "os"
import "os/exec"
import "path/filepath"
import "regexp"
import "sort"
import "strconv"
import "strings"

// errNoBinaries reports that neither initdb nor pg_ctl could be found.
var errNoBinaries = errors.New("no initdb found (looked on PATH and in /usr/lib/postgresql/*/bin)")

// binaries are the PostgreSQL programs a managed cluster needs.
type binaries struct {
	initdb string
	pgCtl  string
}

// versionDirs are glob patterns of versioned installation directories; the
// highest version found wins.
var versionDirs = []string{
	"/usr/lib/postgresql/*/bin",          // Debian, Ubuntu
	"/usr/pgsql-*/bin",                   // PGDG RPMs
	"/opt/homebrew/opt/postgresql@*/bin", // Homebrew, Apple silicon
	"/usr/local/opt/postgresql@*/bin",    // Homebrew, Intel
	"/Applications/Postgres.app/Contents/Versions/*/bin",
}

var versionRE = regexp.MustCompile(`\d+(\.\d+)?`)

// findBinaries locates initdb and pg_ctl: on PATH first, then in the
// versioned installation directories, highest version first.
func findBinaries() (binaries, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(initdb)
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			dir = filepath.Dir(real)
		}
		if isExecutable(filepath.Join(dir, "pg_ctl")) {
			return binaries{initdb: initdb, pgCtl: filepath.Join(dir, "pg_ctl")}, nil
		}
		if pgCtl, err := exec.LookPath("pg_ctl"); err == nil {
			return binaries{initdb: initdb, pgCtl: pgCtl}, nil
		}
	}
	type candidate struct {
		dir     string
		version float64
	}
	var cands []candidate
	for _, pattern := range versionDirs {
		matches, _ := filepath.Glob(pattern)
		prefix := pattern[:strings.Index(pattern, "*")]
		for _, dir := range matches {
			if !isExecutable(filepath.Join(dir, "initdb")) || !isExecutable(filepath.Join(dir, "pg_ctl")) {
				continue
			}
			v, _ := strconv.ParseFloat(versionRE.FindString(strings.TrimPrefix(dir, prefix)), 64)
			cands = append(cands, candidate{dir: dir, version: v})
		}
	}
	if len(cands) == 0 {
		return binaries{}, errNoBinaries
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].version > cands[j].version })
	return binaries{
		initdb: filepath.Join(cands[0].dir, "initdb"),
		pgCtl:  filepath.Join(cands[0].dir, "pg_ctl"),
	}, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
