package reliability

import "context"
import "testing"
import "time"

import "github.com/stretchr/testify/require"

import "github.com/yakser/asynqpg/driver"
import pgxv5driver "github.com/yakser/asynqpg/driver/pgxv5"
import "github.com/yakser/asynqpg/internal/engine"

// The frozen leader scenarios' leader term and election interval.
const (
	frozenTTL      = 3 * time.Second
	frozenInterval = time.Second
)

// appExecutor returns an executor on a pool of its own to b's database,
// whose connections carry application_name app (as the audits record).
func (b *bundle) appExecutor(t testing.TB, app string) driver.Executor {
	t.Helper()
	ex, err := driver.Resolve(pgxv5driver.New(openPool(t, b.url, app)))
	require.NoError(t, err)
	return ex
}

// startMaintainer starts a maintainer of cfg, stopped when the test ends.
func startMaintainer(t testing.TB, cfg engine.MaintainerConfig) *engine.Maintainer {
	t.Helper()
	m, err := engine.NewMaintainer(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Start(context.Background()))
	t.Cleanup(m.Stop)
	return m
}
