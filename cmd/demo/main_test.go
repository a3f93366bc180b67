package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/yakser/asynqpg/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestDemo runs the whole demo on the test server and checks its summary:
// every task settled, with the outcomes the workload is built to produce.
func TestDemo(t *testing.T) {
	url := testdb.URL(t)
	t.Setenv("DATABASE_URL", url)
	demoDatabase = fmt.Sprintf("asynqpg_demo_test_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{demoDatabase}.Sanitize()+" WITH (FORCE)")
			_ = conn.Close(context.Background())
		}
	})

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out), out.String())
	text := out.String()
	t.Log(text)

	rows := []struct{ typ, want string }{
		{"email:send", `0\s+0\s+60\s+0\s+0\s+60`},
		{"inventory:sync", `0\s+0\s+10\s+0\s+0\s+10`},
		{"payment:charge", `0\s+0\s+20\s+4\s+0\s+24`},
		{"report:generate", `0\s+0\s+13\s+0\s+0\s+13`},
		{"video:transcode", `0\s+0\s+0\s+0\s+1\s+1`},
		{"webhook:deliver", `0\s+0\s+0\s+4\s+0\s+4`},
		{"all", `0\s+0\s+103\s+8\s+1\s+112`},
	}
	for _, r := range rows {
		require.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(r.typ)+`\s+`+r.want), text, "summary row %s", r.typ)
	}
	require.Contains(t, text, "task with this type and idempotency token already exists")
	require.Contains(t, text, "cancelled running task")
}
