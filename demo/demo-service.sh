#!/usr/bin/env bash
# The demo service of monitrc.example: a tiny HTTP server (python3 -m http.server) on
# 127.0.0.1 that rmonit starts, watches and restarts.
#
# Usage: demo-service.sh start|stop
#
#   start  serves DEMO_DIR/www on 127.0.0.1:DEMO_PORT in the background, writes its PID
#          to DEMO_DIR/demo.pid and returns at once (nothing happens if it already runs).
#   stop   kills exactly the PID in the pidfile, and only if that process is still our
#          server (a stale pidfile naming a recycled PID is removed, nothing is killed),
#          then waits up to 5 seconds for it to exit.
#
# DEMO_PORT (default 8787) and DEMO_DIR (default /tmp/rmonit-example) may be set.
set -u
port=${DEMO_PORT:-8787}
dir=${DEMO_DIR:-/tmp/rmonit-example}
pidfile="$dir/demo.pid"

# The PID in the pidfile, if that process is our server.
our_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-m http.server $port " || return 1
    echo "$pid"
}

case "${1:-}" in
start)
    if our_pid > /dev/null; then
        exit 0
    fi
    mkdir -p "$dir/www" || exit 1
    echo "rmonit demo service" > "$dir/www/index.html"
    # Detached from our output pipes, so whoever runs this script sees it end at once.
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir/www" \
        > "$dir/demo.log" 2>&1 < /dev/null &
    echo $! > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
    ;;
stop)
    if pid=$(our_pid); then
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do
            our_pid > /dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$pidfile"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
