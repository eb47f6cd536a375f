#!/usr/bin/env bash
# run.sh CMD [ARGS...]: runs CMD with a throwaway PostgreSQL and a throwaway
# Redis, each on a free loopback port in a temporary directory, and stops
# them when CMD ends, however it ends (the exit trap also runs on failure
# and on SIGINT/SIGTERM). CMD sees:
#
#   WEFT_TEST_DATABASE_URL  postgres://weft@127.0.0.1:PORT/weft?sslmode=disable
#                           (a superuser: tests create and drop their own schemas)
#   WEFT_TEST_REDIS_URL     redis://127.0.0.1:PORT/0
#
# When a variable is already set, that server is used as it is and no
# throwaway one is started for it. The machine's own servers on the default
# ports are never touched. Missing binaries are installed with apt-get when
# running as root; otherwise the script says what to install and fails.
# PostgreSQL refuses to run as root, so as root it runs as the "postgres"
# user (or "nobody") in a directory that user owns.
#
# Exit status: CMD's, or 1 if a server could not be started.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

tmp=""
pg_ctl=""
pg_data=""
redis_pidfile=""
pg_user=""

log() { echo "testenv: $*" >&2; }

# as_pg runs a command as the user that owns the PostgreSQL directory.
as_pg() {
	if [ -n "$pg_user" ]; then
		runuser -u "$pg_user" -- "$@"
	else
		"$@"
	fi
}

cleanup() {
	local status=$?
	set +e
	if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
		as_pg "$pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || log "could not stop PostgreSQL in $pg_data"
	fi
	if [ -n "$redis_pidfile" ] && [ -f "$redis_pidfile" ]; then
		local pid
		pid=$(cat "$redis_pidfile")
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
child=""
on_signal() {
	[ -n "$child" ] && kill "-$1" "$child" 2>/dev/null
	exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# install_or_fail makes sure the named Debian packages' binaries exist.
install_or_fail() {
	local what=$1
	shift
	if [ "$(id -u)" -ne 0 ]; then
		log "$what is not installed; install it (Debian: apt-get install $*) or set the matching WEFT_TEST_*_URL"
		exit 1
	fi
	log "installing $* with apt-get"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

find_pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
		echo "$d"
	fi
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

random_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		if port_free "$p"; then
			echo "$p"
			return
		fi
	done
}

start_postgres() {
	local bin
	bin=$(find_pg_bin)
	if [ -z "$bin" ]; then
		install_or_fail PostgreSQL postgresql
		bin=$(find_pg_bin)
		[ -n "$bin" ] || { log "PostgreSQL binaries still missing after install"; exit 1; }
	fi
	pg_ctl="$bin/pg_ctl"
	local dir="$tmp/pg"
	mkdir "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		pg_user=postgres
		id "$pg_user" >/dev/null 2>&1 || pg_user=nobody
		chown "$pg_user" "$dir"
	fi
	pg_data="$dir/data"
	as_pg "$bin/initdb" -D "$pg_data" -U weft --auth=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; log "initdb failed"; exit 1; }
	local port attempt
	for attempt in 1 2 3 4 5; do
		port=$(random_port)
		if as_pg "$pg_ctl" -D "$pg_data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null 2>&1; then
			"$bin/psql" -h 127.0.0.1 -p "$port" -U weft -d postgres -qAt -c 'CREATE DATABASE weft' >/dev/null 2>&1 ||
				{ log "could not create database weft"; exit 1; }
			export WEFT_TEST_DATABASE_URL="postgres://weft@127.0.0.1:$port/weft?sslmode=disable"
			log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
			return
		fi
		log "PostgreSQL did not start on port $port (attempt $attempt)"
	done
	tail -n 20 "$dir/server.log" >&2 || true
	exit 1
}

start_redis() {
	if ! command -v redis-server >/dev/null; then
		install_or_fail Redis redis-server
	fi
	local dir="$tmp/redis" port attempt
	mkdir "$dir"
	for attempt in 1 2 3 4 5; do
		port=$(random_port)
		redis_pidfile="$dir/redis.pid"
		if redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
			--daemonize yes --pidfile "$redis_pidfile" --logfile "$dir/redis.log" >/dev/null 2>&1; then
			local i
			for i in $(seq 100); do
				if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
					export WEFT_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
					log "Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"
					return
				fi
				sleep 0.1
			done
		fi
		log "Redis did not start on port $port (attempt $attempt)"
		if [ -f "$redis_pidfile" ]; then kill "$(cat "$redis_pidfile")" 2>/dev/null || true; rm -f "$redis_pidfile"; fi
	done
	tail -n 20 "$dir/redis.log" >&2 || true
	exit 1
}

if [ -z "${WEFT_TEST_DATABASE_URL:-}" ] || [ -z "${WEFT_TEST_REDIS_URL:-}" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-testenv.XXXXXX")
	chmod 755 "$tmp"
fi
[ -n "${WEFT_TEST_DATABASE_URL:-}" ] || start_postgres
[ -n "${WEFT_TEST_REDIS_URL:-}" ] || start_redis

# Run CMD as a child (not exec) so that the traps stop the servers after it;
# in the background with wait, so that a signal is handled at once.
set +e
"$@" &
child=$!
wait "$child"
status=$?
child=""
exit "$status"
