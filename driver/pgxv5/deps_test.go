package pgxv5driver_test

import "os/exec"
import "slices"
import "strings"
import "testing"

import "github.com/stretchr/testify/require"

// TestLinkedPackages lists, with go list, the packages a program that
// imports the producer, the consumer, the client and this adapter links,
// and checks which database libraries come with them: no other adapter,
// no bun and no lib/pq (an unwrapped lib/pq handle still LISTENs: see
// driver/pqnotify.go).
func TestLinkedPackages(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}",
		"github.com/yakser/asynqpg/producer", "github.com/yakser/asynqpg/consumer",
		"github.com/yakser/asynqpg/client", "github.com/yakser/asynqpg/driver/pgxv5").CombinedOutput()
	require.NoError(t, err, "go list: %s", out)

	var linked, importsPQ []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		linked = append(linked, fields[0])
		if slices.Contains(fields[1:], "github.com/lib/pq") {
			importsPQ = append(importsPQ, fields[0])
		}
	}
	require.Contains(t, linked, "github.com/jackc/pgx/v5/pgxpool", "the list is of the wrong program")
	require.Contains(t, linked, "github.com/yakser/asynqpg/driver", "the list is of the wrong program")
	for _, pkg := range linked {
		for _, unwanted := range []string{
			"github.com/lib/pq",
			"github.com/uptrace/bun",
			"github.com/yakser/asynqpg/driver/sqlx",
			"github.com/yakser/asynqpg/driver/bun",
			"github.com/yakser/asynqpg/conformance",
		} {
			require.False(t, pkg == unwanted || strings.HasPrefix(pkg, unwanted+"/"), "links %s", pkg)
		}
	}
	require.Empty(t, importsPQ, "packages importing lib/pq")
}
