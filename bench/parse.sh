#!/usr/bin/env bash
# Parser benchmark: time and peak memory of `rmonit -t` on a generated control file of
# N services (default 10000), release build, best of RUNS (default 5).
# Usage: bench/parse.sh [N]   (BIN=path/to/rmonit to measure another build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
runs=${RUNS:-5}
bin=${BIN:-target/release/rmonit}
[ -x "$bin" ] || cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 bench/gen-monitrc.py "$n" > "$dir/monitrc"
chmod 600 "$dir/monitrc"
echo "control file: $n services, $(wc -l < "$dir/monitrc") lines, $(du -k "$dir/monitrc" | cut -f1) kB"
best_ms=""; best_kb=""
for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" -c "$dir/monitrc" -t > /dev/null 2> "$dir/stderr" || { cat "$dir/stderr"; exit 1; }
    read -r secs kb < "$dir/time"
    ms=$(python3 -c "print(round($secs * 1000))")
    if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms=$ms; fi
    if [ -z "$best_kb" ] || [ "$kb" -lt "$best_kb" ]; then best_kb=$kb; fi
done
echo "parse $n services: ${best_ms} ms (best of $runs), peak RSS $((best_kb / 1024)) MB"
