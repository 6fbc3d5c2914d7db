#!/usr/bin/env bash
# The demo service of monitrc.example: a tiny HTTP server on 127.0.0.1 that rmonit starts,
# watches and restarts. Usage: demo-service.sh start|stop
# DEMO_PORT (default 8787) and DEMO_DIR (default /tmp/rmonit-example) may be set.
set -u
port=${DEMO_PORT:-8787}
dir=${DEMO_DIR:-/tmp/rmonit-example}
pidfile="$dir/demo.pid"
mkdir -p "$dir/www"
case "${1:-}" in
start)
    echo "rmonit demo service" > "$dir/www/index.html"
    # Detached from our output pipes, so rmonit sees this script end at once.
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir/www" \
        > "$dir/demo.log" 2>&1 < /dev/null &
    echo $! > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
    ;;
stop)
    if [ -f "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null
        rm -f "$pidfile"
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
