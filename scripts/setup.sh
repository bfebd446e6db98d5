#!/usr/bin/env bash
# scripts/setup.sh: installs the Debian packages ddb needs (only those that
# are missing), then builds the extension and installs it into PostgreSQL 15.
# It also holds the helpers run.sh and test.sh share (ddb_as_root, ddb_as_pg,
# ddb_make_var, ...).
#
#   ./scripts/setup.sh [VAR=value ...]    # e.g. DDB_CFLAGS=-Werror
#   . scripts/setup.sh; ddb_setup         # from another script
#
# Idempotent: apt-get runs only when a package is missing, make rebuilds only
# what changed, and `make install` runs (with sudo when not root) only when
# the installed files differ from the freshly built ones. apt and build output
# goes to .ddb/apt.log and .ddb/build.log; it is shown when a step fails.
# Progress messages go to stderr.
set -euo pipefail

DDB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# DDB_PGBIN: another (relocated) PostgreSQL 15 installation to build and test against
PGBIN=${DDB_PGBIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PGBIN/pg_config
DDB_PACKAGES=(
    postgresql-15                           # server, initdb, pg_ctl
    postgresql-client-15                    # psql, createdb, pg_dump
    postgresql-server-dev-15                # PGXS, headers, pg_regress, pg_isolation_regress
    postgresql-15-pgtap                     # CREATE EXTENSION pgtap
    libtap-parser-sourcehandler-pgtap-perl  # pg_prove
    build-essential                         # gcc, make, libc headers
    python3                                 # the fuzz tests' generators
    libhttp-parser-dev                      # the HTTP endpoint's HTTP/1.1 parser
    zlib1g-dev                              # gzip request bodies, x-amz-crc32
    libssl-dev                              # SHA-256 and HMAC of AWS Signature Version 4
    libzstd-dev                             # ImportTable's ZSTD input
    zstd                                    # test/import_files.sh writes ZSTD files
    python3-boto3                           # the HTTP endpoint's end-to-end tests (boto3)
    awscli                                  # the AWS CLI tutorial test
    curl                                    # HTTP checks in tests and scripts/run.sh
    wrk                                     # bench/http.sh
)
DDB_LOGDIR=$DDB_REPO/.ddb

ddb_say() { printf '==> %s\n' "$*" >&2; }
ddb_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

ddb_is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root: directly when we are root, else through sudo.
# $1 says what for, in the error when neither is possible.
ddb_as_root() {
    local why=$1
    shift
    if ddb_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "ERROR: $why needs root: run as root, or install sudo" >&2
        return 1
    fi
}

# The OS user that runs PostgreSQL servers: `postgres` when we are root
# (PostgreSQL refuses to run as root), else ourselves.
ddb_pg_user() {
    if ddb_is_root; then echo postgres; else id -un; fi
}

# Run a command as that user (ddb_as_pg CMD..., or "${DDB_AS_PG[@]}" CMD...).
# The environment is kept (runuser -u does not reset it), except HOME, which
# points at the user's own home.
DDB_AS_PG=()
if ddb_is_root; then
    DDB_AS_PG=(runuser -u postgres -- env HOME=/var/lib/postgresql)
fi
ddb_as_pg() { "${DDB_AS_PG[@]}" "$@"; }

# Print the value of a variable of the project Makefile, e.g. REGRESS.
ddb_make_var() {
    # shellcheck disable=SC2016  # $($*) is make syntax
    make -s --no-print-directory -C "$DDB_REPO" PG_CONFIG="$PG_CONFIG" \
        --eval='ddb-print-var-%: ; @echo $($*)' "ddb-print-var-$1"
}

# Show a log file on stderr, indented, after a failure; compiler command
# lines are left out (they are in the file).
ddb_show_log() {
    echo "---- $1 ----" >&2
    grep -Ev '^(gcc|cc|/usr/bin/clang-[0-9]+|/usr/lib/llvm-[0-9]+/bin/llvm-lto) ' "$1" |
        sed 's/^/    /' >&2 || true
    echo "---- end of $1 ----" >&2
}

# Install the missing Debian packages (apt-get update only if one is missing).
ddb_install_packages() {
    local missing=() p
    command -v dpkg-query >/dev/null 2>&1 || ddb_die "this needs Debian 12 (dpkg/apt-get)"
    for p in "${DDB_PACKAGES[@]}"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
            missing+=("$p")
        fi
    done
    # npm (the JavaScript SDK v3 test installs the SDK with it): Debian's
    # package, unless a Node.js installation already provides npm
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    [ ${#missing[@]} -eq 0 ] && return 0

    mkdir -p "$DDB_LOGDIR"
    local log=$DDB_LOGDIR/apt.log
    ddb_say "installing Debian packages: ${missing[*]} (log: $log)"
    : >"$log"
    if ! ddb_as_root "installing packages" env DEBIAN_FRONTEND=noninteractive \
            apt-get update >>"$log" 2>&1 ||
       ! ddb_as_root "installing packages" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        ddb_show_log "$log"
        ddb_die "apt-get failed"
    fi
}

# Run make in the repository with PG_CONFIG set; output appended to
# .ddb/build.log and shown if make fails. Extra arguments go to make.
ddb_make() {
    mkdir -p "$DDB_LOGDIR"
    local log=$DDB_LOGDIR/build.log
    echo "+ make $*" >>"$log"
    if ! make -C "$DDB_REPO" PG_CONFIG="$PG_CONFIG" "$@" >>"$log" 2>&1; then
        ddb_show_log "$log"
        ddb_die "make $* failed"
    fi
}

# Build, then install if the installed files differ from the built ones.
# Arguments (VAR=value) are passed to both make runs.
ddb_build() {
    mkdir -p "$DDB_LOGDIR"
    local log=$DDB_LOGDIR/build.log
    : >"$log"
    ddb_say "building ddb${*:+ ($*)} (log: $log)"
    ddb_make "$@"
    if grep -q 'warning:' "$log"; then
        ddb_say "compiler warnings:"
        grep -A3 'warning:' "$log" >&2 || true
    fi

    # Install into a staging directory first; skip the real install (and
    # sudo) when every staged file is already installed, byte for byte.
    local stage f changed=0
    stage=$(mktemp -d "${TMPDIR:-/tmp}/ddb-stage.XXXXXX")
    ddb_make install DESTDIR="$stage" "$@"
    while IFS= read -r -d '' f; do
        if ! cmp -s "$f" "${f#"$stage"}"; then changed=1; break; fi
    done < <(find "$stage" -type f -print0)
    rm -rf "$stage"
    if [ "$changed" -eq 1 ]; then
        ddb_say "installing ddb into $("$PG_CONFIG" --pkglibdir)"
        echo "+ make install $*" >>"$log"
        if ! ddb_as_root "make install" make -C "$DDB_REPO" PG_CONFIG="$PG_CONFIG" install "$@" \
                >>"$log" 2>&1; then
            ddb_show_log "$log"
            ddb_die "make install failed"
        fi
    fi
}

# Citus (the distributed engine the scale-out tests run on) is not a Debian
# package: build and install it once per machine, from the source and build
# script kept beside the repository in ../shared/third_party/citus/, when it
# is missing. Returns non-zero (the Citus tests then skip) when it is neither
# installed nor buildable here.
DDB_CITUS_SOURCE=$DDB_REPO/../shared/third_party/citus
ddb_citus_installed() { [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; }
ddb_install_citus() {
    ddb_citus_installed && return 0
    if [ ! -x "$DDB_CITUS_SOURCE/build.sh" ]; then
        ddb_say "Citus is not installed and $DDB_CITUS_SOURCE/build.sh is missing: the Citus tests will skip"
        return 1
    fi
    mkdir -p "$DDB_LOGDIR"
    ddb_say "building Citus once for this machine with $DDB_CITUS_SOURCE/build.sh (several minutes; log: $DDB_LOGDIR/citus-build.log)"
    if ! ddb_as_root "building Citus" env PG_CONFIG="$PG_CONFIG" "$DDB_CITUS_SOURCE/build.sh" \
            >"$DDB_LOGDIR/citus-build.log" 2>&1; then
        ddb_show_log "$DDB_LOGDIR/citus-build.log"
        ddb_say "Citus could not be built: the Citus tests will skip"
        return 1
    fi
}

ddb_setup() {
    ddb_install_packages
    ddb_build "$@"
}

# Start a throwaway server on data directory $1 with its socket in $2 and its
# log in $3, listening on TCP $4 ('localhost' or ''), on a free port chosen at
# random; try again on another port if another process took it meanwhile.
# Sets PORT; returns non-zero (after showing the log) if it cannot start.
# The setting that lets the server use ddb's library as a logical decoding
# output plugin, for servers built with output_plugin_libraries (which lists
# the plugins allowed); nothing for servers without that setting. $1: the
# server's bin directory (default $PGBIN).
ddb_output_plugin_setting() {
    local line allowed
    line=$("${1:-$PGBIN}/postgres" --describe-config 2>/dev/null |
        awk -F'\t' '$1 == "output_plugin_libraries" { print "found:" $5 }') || true
    [ -n "$line" ] || return 0
    allowed=${line#found:}
    echo "output_plugin_libraries = '${allowed:+$allowed, }ddb'"
}

ddb_start_server() {
    local data=$1 sockdir=$2 log=$3 listen=$4
    for _ in 1 2 3 4 5 6 7 8; do
        PORT=$((50000 + RANDOM % 10000))
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
        if ddb_as_pg "$PGBIN/pg_ctl" -D "$data" -l "$log" -w -t 120 \
                -o "-p $PORT -c listen_addresses='$listen' -c unix_socket_directories='$sockdir'" \
                start >/dev/null; then
            return 0
        fi
    done
    tail -n 30 "$log" >&2 || true
    return 1
}

# Executed (not sourced): do the whole setup.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    ddb_setup "$@"
fi
