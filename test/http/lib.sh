# test/http/lib.sh: helpers of the HTTP endpoint's shell tests (sourced).

# Wait (up to 30 s) until the endpoint answers its health check on
# DDB_HTTP_PORT; its workers start a moment after the server.
http_wait_ready() {
    local i
    for i in $(seq 1 60); do
        if curl -s -o /dev/null -m 2 "http://localhost:${DDB_HTTP_PORT:?}/"; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

# The number of server processes that crashed (a signal, or a restart of
# every backend) according to the server log DDB_SERVER_LOG, from line $1 on.
http_crashes_since() {
    tail -n +"$1" "${DDB_SERVER_LOG:?}" |
        grep -cE 'terminated by signal|was terminated by|server process .* exited with exit code [^01]|all server processes terminated|PANIC' || true
}
