#!/usr/bin/env bash
# ensure-postgres.sh makes sure the tests and the demo can reach PostgreSQL.
#
# With DATABASE_URL or TEST_DATABASE_URL set it does nothing. Otherwise it
# wants a server on 127.0.0.1:5432 that lets user postgres in without a
# password: it starts an existing Debian cluster (pg_ctlcluster), or installs
# PostgreSQL with apt-get when running as root on a machine without it, and
# as root it adds trust rules for 127.0.0.1 and ::1 to pg_hba.conf when the
# server asks for a password. When PostgreSQL binaries exist but no cluster
# does, the test helper (internal/embeddedpg) starts a throw-away cluster
# itself, so there is nothing to do.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

say() { echo "ensure-postgres: $*"; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

# accepting: the server on HOST:PORT accepts connections.
accepting() {
	if have pg_isready; then
		pg_isready -q -h "$HOST" -p "$PORT" -t 2
	else
		timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null
	fi
}

wait_accepting() {
	local i
	for ((i = 0; i < 60; i++)); do
		if accepting; then return 0; fi
		sleep 0.5
	done
	return 1
}

# binaries_installed: initdb and pg_ctl exist somewhere the test helper looks.
binaries_installed() {
	if have initdb && have pg_ctl; then return 0; fi
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

# clusters lists Debian clusters as "version name port", port 5432 first,
# then by version, highest first.
clusters() {
	have pg_ctlcluster && have pg_lsclusters && [[ -d /etc/postgresql ]] || return 0
	pg_lsclusters -h 2>/dev/null | awk '{ print ($3 == 5432 ? 0 : 1), $1, $2, $3 }' |
		sort -k1,1n -k2,2nr | cut -d' ' -f2-
}

# start_cluster starts the first Debian cluster, preferring the one on port
# 5432, and waits until 127.0.0.1:5432 accepts connections.
start_cluster() {
	local ver name port
	read -r ver name port < <(clusters) || true
	if [[ -z "${ver:-}" ]]; then
		return 1
	fi
	say "starting PostgreSQL cluster $ver/$name (port $port) with pg_ctlcluster"
	if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start; then
		say "pg_ctlcluster $ver $name start failed (are you root or the cluster owner?)"
		return 1
	fi
	if [[ "$port" != "$PORT" ]]; then
		say "cluster $ver/$name listens on port $port, not $PORT: set DATABASE_URL, or the test helper starts a throw-away cluster"
		return 0
	fi
	say "waiting for $HOST:$PORT to accept connections"
	wait_accepting || { say "cluster $ver/$name did not start accepting connections on $HOST:$PORT"; return 1; }
}

# MIN_CONNECTIONS is what the test suite needs: packages run in parallel,
# each with its own pools, consumers and listeners.
MIN_CONNECTIONS=300

# ensure_capacity raises max_connections of the Debian cluster on PORT to
# MIN_CONNECTIONS when it is lower and we are root (a restart of that
# cluster); otherwise it says what to change.
ensure_capacity() {
	local current
	current=$(psql -h "$HOST" -p "$PORT" -U postgres -d postgres -Atc 'SHOW max_connections' 2>/dev/null || echo "")
	[[ -n "$current" && "$current" -lt "$MIN_CONNECTIONS" ]] || return 0
	local line ver name port
	line=$(clusters | awk -v p="$PORT" '$3 == p {print; exit}')
	if ! is_root || [[ -z "$line" ]]; then
		say "max_connections is $current; the tests want $MIN_CONNECTIONS (ALTER SYSTEM SET max_connections = $MIN_CONNECTIONS, then restart)"
		return 0
	fi
	read -r ver name port <<<"$line"
	say "raising max_connections from $current to $MIN_CONNECTIONS and restarting cluster $ver/$name"
	psql -h "$HOST" -p "$PORT" -U postgres -d postgres -qc "ALTER SYSTEM SET max_connections = $MIN_CONNECTIONS"
	pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" restart
	wait_accepting || { say "cluster $ver/$name did not come back after the restart"; exit 1; }
}

# ensure_trust lets user postgres in over TCP without a password, adding
# trust rules to the top of pg_hba.conf when needed and allowed (root).
ensure_trust() {
	local out hba ver name port
	if ! have psql; then
		say "psql not found; not checking password-less access for user postgres"
		return 0
	fi
	if out=$(PGCONNECT_TIMEOUT=5 psql -w -h "$HOST" -p "$PORT" -U postgres -d postgres -Atc 'select 1' 2>&1); then
		say "user postgres can connect to $HOST:$PORT without a password"
		return 0
	fi
	if ! grep -qiE 'password|authentication|pg_hba' <<<"$out"; then
		say "cannot connect to $HOST:$PORT as postgres: $out"
		return 0
	fi
	if ! is_root; then
		say "$HOST:$PORT asks user postgres for a password; as non-root I leave pg_hba.conf alone: set DATABASE_URL, or the test helper starts a throw-away cluster"
		return 0
	fi
	hba=$(cd / && runuser -u postgres -- psql -w -p "$PORT" -Atc 'show hba_file' 2>/dev/null) || hba=""
	if [[ -z "$hba" ]]; then
		read -r ver name port < <(clusters) || true
		if [[ -n "${ver:-}" && -f "/etc/postgresql/$ver/$name/pg_hba.conf" ]]; then
			hba="/etc/postgresql/$ver/$name/pg_hba.conf"
		fi
	fi
	if [[ -z "$hba" || ! -f "$hba" ]]; then
		say "$HOST:$PORT asks for a password and its pg_hba.conf was not found: set DATABASE_URL, or the test helper starts a throw-away cluster"
		return 0
	fi
	say "adding trust rules for 127.0.0.1 and ::1 to the top of $hba and reloading"
	{
		printf '%s\n' '# added by asynqpg scripts/ensure-postgres.sh: password-less local TCP for tests' \
			'host all all 127.0.0.1/32 trust' 'host all all ::1/128 trust'
		cat "$hba"
	} >"$hba.asynqpg.tmp"
	cat "$hba.asynqpg.tmp" >"$hba" # keeps the file's owner and mode
	rm -f "$hba.asynqpg.tmp"
	if ! (cd / && runuser -u postgres -- psql -w -p "$PORT" -qAtc 'select pg_reload_conf()' >/dev/null 2>&1); then
		read -r ver name port < <(clusters) || true
		[[ -n "${ver:-}" ]] && pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload
	fi
	sleep 0.5
	if out=$(PGCONNECT_TIMEOUT=5 psql -w -h "$HOST" -p "$PORT" -U postgres -d postgres -Atc 'select 1' 2>&1); then
		say "user postgres can now connect to $HOST:$PORT without a password"
	else
		say "still cannot connect to $HOST:$PORT as postgres: $out"
		return 1
	fi
}

if [[ -n "${DATABASE_URL:-}" || -n "${TEST_DATABASE_URL:-}" ]]; then
	say "DATABASE_URL or TEST_DATABASE_URL is set; using it as is"
	exit 0
fi

if accepting; then
	say "a PostgreSQL server is accepting connections on $HOST:$PORT"
	ensure_trust
	ensure_capacity
	exit 0
fi

if [[ -n "$(clusters)" ]]; then
	if start_cluster && accepting; then
		ensure_trust
		ensure_capacity
		exit 0
	fi
	if binaries_installed; then
		say "could not start the existing cluster; the test helper will start a throw-away cluster instead"
		exit 0
	fi
fi

if ! binaries_installed; then
	if is_root && have apt-get; then
		say "PostgreSQL is not installed; installing it with apt-get (apt-get install postgresql)"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
		if ! accepting; then
			start_cluster || { say "PostgreSQL installed but its cluster did not start; the test helper will start a throw-away cluster"; exit 0; }
		fi
		if accepting; then
			ensure_trust
			ensure_capacity
		fi
		exit 0
	fi
	say "PostgreSQL is not installed and cannot be installed from here: install it (Debian: apt-get install postgresql, as root) or set DATABASE_URL"
	exit 1
fi

say "PostgreSQL binaries are installed but no cluster runs on $HOST:$PORT; the test helper will start a throw-away cluster"
