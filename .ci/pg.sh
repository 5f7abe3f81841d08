#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, used by `make test` and .ci/run.
#
#   bash .ci/pg.sh with CMD ARGS...   start a cluster, run CMD with HISCHANGE_TEST_PG_URL
#                                     exported, stop the cluster on exit (also on failure)
#
# The cluster lives in a fresh temporary folder, runs as a non-root user (PostgreSQL refuses
# root: `nobody`, or the invoking user when not root), listens on 127.0.0.1 only, on a free
# port picked by the kernel, with trust authentication for that address only. It is made
# for tests: fsync is off (a crash of the machine loses the cluster, which is deleted anyway).
#
# Without PostgreSQL's server programs (initdb, pg_ctl under /usr/lib/postgresql/*/bin or
# on PATH) CMD still runs, after a loud SKIPPED notice; with CI=true that is a failure.
set -euo pipefail

find_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
    elif command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

skipped() {
    local line="****************************************************************************"
    echo "$line" >&2
    echo "* SKIPPED PostgreSQL: no pg_ctl found (apt-get install postgresql)." >&2
    echo "* The store conformance suite and the CLI tests ran against SQLite ONLY." >&2
    echo "$line" >&2
}

run_with() {
    if [[ -n "${HISCHANGE_TEST_PG_URL:-}" ]]; then
        echo "pg.sh: using the given HISCHANGE_TEST_PG_URL" >&2
        exec "$@"
    fi
    local bin
    bin=$(find_bin)
    if [[ -z "$bin" ]]; then
        if [[ "${CI:-}" == "true" ]]; then
            echo "pg.sh: CI=true and no PostgreSQL server programs found: failing" >&2
            exit 1
        fi
        skipped
        local rc=0
        "$@" || rc=$?
        skipped
        return $rc
    fi
    local port
    PG_BIN=$bin
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hischange-pg.XXXXXX")
    local dir=$PG_DIR
    if [[ $(id -u) -eq 0 ]]; then
        PG_OWNER=nobody
        chown "$PG_OWNER" "$dir"
        chmod 700 "$dir"
        as_owner() { (cd / && runuser -u "$PG_OWNER" -- "$@"); }
    else
        as_owner() { "$@"; }
    fi
    port=$(free_port)
    stop() {
        as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null || true
        rm -rf "$PG_DIR"
    }
    trap stop EXIT
    trap 'exit 130' INT TERM
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
full_page_writes = off
max_connections = 200
CONF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    export HISCHANGE_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    echo "pg.sh: $("$bin/pg_ctl" --version) on 127.0.0.1:$port (for this run only)" >&2
    "$@"
}

case "${1:-}" in
with)
    shift
    run_with "$@"
    ;;
*)
    echo "usage: bash .ci/pg.sh with CMD [ARGS...]" >&2
    exit 2
    ;;
esac
