#!/usr/bin/env bash
# Benchmark of the local checks: 100 file checks with checksums and 10 filesystem checks at
# `set daemon 1`. Prints the daemon's CPU per cycle and its RSS for each binary given.
# Usage: bench/local-checks.sh [BIN ...]   (default: target/release/rmonit and /usr/bin/monit)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-30}
warmup=${WARMUP:-5}
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(target/release/rmonit /usr/bin/monit)
for bin in "${bins[@]}"; do
    [ -x "$bin" ] || { echo "skip: $bin not found"; continue; }
    dir=$(mktemp -d)
    {
        echo "set daemon 1"
        echo "set pidfile $dir/daemon.pid"
        echo "set statefile $dir/daemon.state"
        echo "set idfile $dir/daemon.id"
        echo "set log $dir/daemon.log"
        echo "set httpd unixsocket $dir/daemon.sock allow admin:monit"
        for i in $(seq 1 100); do
            head -c 65536 /dev/urandom > "$dir/file$i"
            echo "check file file$i with path $dir/file$i"
            echo "  if changed checksum then alert"
            echo "  if size > 1 MB then alert"
        done
        for i in $(seq 1 10); do
            echo "check filesystem fs$i with path /"
            echo "  if space usage > 99% then alert"
            echo "  if inode usage > 99% then alert"
        done
    } > "$dir/monitrc"
    chmod 600 "$dir/monitrc"
    "$bin" -c "$dir/monitrc" -I > "$dir/out.log" 2>&1 &
    pid=$!
    sleep "$warmup"
    ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
    t0=$(ticks)
    sleep "$duration"
    t1=$(ticks)
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    hz=$(getconf CLK_TCK)
    python3 -c "t=($t1-$t0)/$hz; print(f'$(basename "$bin"): {t:.3f} cpu-s in $duration s = {t/$duration:.5f} cpu-s per cycle, RSS {int($rss)/1024:.1f} MiB')"
    rm -rf "$dir"
done
