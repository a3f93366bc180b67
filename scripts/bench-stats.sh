#!/usr/bin/env bash
# bench-stats.sh measures the dashboard's /api/stats on a large table: it
# fills a database of its own with ROWS tasks (default 10,000,000; 97 %
# completed, 2 % pending, 1 % failed, over 40 types), serves the
# dashboard on it with the asynqpg command, and times requests from the
# first one on, printing how far each answer's counts are from the truth.
# Then it runs BenchmarkStats against the same table and drops the
# database. Usage: scripts/bench-stats.sh [ROWS]   (make bench-stats)
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-10000000}
base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
db=asynqpg_bench_stats_$$
url=${base%/*}/$db?sslmode=disable
listen=127.0.0.1:18089
psql_admin() { psql "$base" -qAt -v ON_ERROR_STOP=1 "$@"; }
psql_db() { psql "$url" -qAt -v ON_ERROR_STOP=1 "$@"; }

psql_admin -c "CREATE DATABASE $db"
cli=$(mktemp -d)/asynqpg
cleanup() {
	[ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT

go build -o "$cli" ./cmd/asynqpg
"$cli" --database-url "$url" migrate up >/dev/null
echo "filling $rows rows"
start=$(date +%s)
psql_db -c "INSERT INTO asynqpg_tasks (type, payload, status, finalized_at, attempted_at)
	SELECT 'type' || (g % 40), '{}'::bytea,
		CASE WHEN g % 100 = 0 THEN 'failed' WHEN g % 50 = 1 THEN 'pending' ELSE 'completed' END,
		CASE WHEN g % 50 = 1 THEN NULL ELSE now() END, now()
	FROM generate_series(1, $rows) g" -c "ANALYZE asynqpg_tasks"
echo "filled in $(($(date +%s) - start)) s"
truth=$(psql_db -c "SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM asynqpg_tasks GROUP BY status) s")

"$cli" --database-url "$url" ui --listen "$listen" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://$listen/api/health" >/dev/null && break; sleep 0.1; done

echo "request  seconds  largest error of a status count"
for i in $(seq 1 10); do
	out=$(curl -s -w '\n%{time_total}' "http://$listen/api/stats")
	python3 - "$truth" "$i" "$out" <<'EOF'
import json, sys
truth, i, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3].rsplit("\n", 1)
got = json.loads(out[0])["data"]["by_status"]
err = max(abs(got.get(s, 0) - n) / n for s, n in truth.items())
print(f"{i:>7}  {float(out[1]):.4f}   {err:.2%}")
EOF
	sleep 1
done

echo "BenchmarkStats on the same table:"
ASYNQPG_STATS_BENCH_URL=$url go test -run '^$' -bench '^BenchmarkStats$' -benchtime 200x ./internal/dashboard | grep Benchmark
