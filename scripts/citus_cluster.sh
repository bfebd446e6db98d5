#!/usr/bin/env bash
# scripts/citus_cluster.sh: a throwaway Citus cluster on loopback, for the
# scale-out test (test/citus.sh) and benchmark (bench/citus.sh). Sourced;
# run as the servers' OS user (PostgreSQL refuses root).
#
#   citus_cluster_start DIR DB   initdb and start three servers (a
#                                coordinator and two worker nodes, citus and
#                                ddb preloaded, sockets in DIR) on free ports,
#                                create database DB on each with citus, and
#                                add the nodes; sets CITUS_PORTS (coordinator
#                                first)
#   citus_cluster_create_db DB   another such database
#   citus_cluster_stop DIR       stop them
#   citus_psql PORT ARGS...      psql to a node (socket in DIR)
#
# Needs CITUS_BIN (the server's bin directory). Extra server settings can be
# given in CITUS_EXTRA_CONF (lines for postgresql.conf).

CITUS_PORTS=()
CITUS_DIR=""

citus_free_port() {
    local p
    while :; do
        # below the ephemeral range (32768-60999) that outgoing connections use
        p=$((20000 + RANDOM % 10000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        [[ " ${CITUS_PORTS[*]} " == *" $p "* ]] && continue
        echo "$p"
        return
    done
}

citus_psql() {
    local port=$1
    shift
    "$CITUS_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$CITUS_DIR" -p "$port" "$@"
}

# Start node N on a free port (another one if the port was taken meanwhile)
citus_node_start() {
    local dir=$1 n=$2 try
    for try in 1 2 3 4 5; do
        CITUS_PORTS[n]=$(citus_free_port)
        if "$CITUS_BIN/pg_ctl" -D "$dir/n$n" -l "$dir/n$n.log" -w -t 120 \
                -o "-p ${CITUS_PORTS[n]}" start >/dev/null; then
            return 0
        fi
    done
    return 1
}

citus_cluster_start() {
    local dir=$1 db=$2 n
    CITUS_DIR=$dir
    for n in 0 1 2; do
        "$CITUS_BIN/initdb" -D "$dir/n$n" -A trust -E UTF8 --locale=C >/dev/null
        cat >>"$dir/n$n/postgresql.conf" <<CONF
listen_addresses = 'localhost'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus, ddb'
wal_level = logical
max_prepared_transactions = 50
max_worker_processes = 32
track_commit_timestamp = on
fsync = off
synchronous_commit = off
full_page_writes = off
lc_messages = 'C'
ddb.http_port = 0
ddb.worker_naptime = 1
log_min_messages = warning
$(. "$(dirname "${BASH_SOURCE[0]}")/setup.sh" && ddb_output_plugin_setting "$CITUS_BIN")
${CITUS_EXTRA_CONF:-}
CONF
        citus_node_start "$dir" "$n" || return 1
    done
    citus_cluster_create_db "$db"
}

# Another database DB on every node, with citus installed and the nodes added
citus_cluster_create_db() {
    local db=$1 n
    for n in 0 1 2; do
        citus_psql "${CITUS_PORTS[n]}" -d postgres -c "CREATE DATABASE $db" 2>/dev/null
        citus_psql "${CITUS_PORTS[n]}" -d "$db" -c "CREATE EXTENSION citus"
    done
    citus_psql "${CITUS_PORTS[0]}" -d "$db" -o /dev/null \
        -c "SELECT citus_set_coordinator_host('localhost', ${CITUS_PORTS[0]})" \
        -c "SELECT citus_add_node('localhost', ${CITUS_PORTS[1]})" \
        -c "SELECT citus_add_node('localhost', ${CITUS_PORTS[2]})"
}

citus_cluster_stop() {
    local dir=$1 n
    for n in 0 1 2; do
        if [ -f "$dir/n$n/postmaster.pid" ]; then
            "$CITUS_BIN/pg_ctl" -D "$dir/n$n" -m fast -w stop >/dev/null 2>&1 || true
        fi
    done
}
