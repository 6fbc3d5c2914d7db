#!/usr/bin/env bash
# Records the golden files of tests/golden.rs: runs Debian's monit 5.33 (/usr/bin/monit) on
# monitrc.in and stores what each command line of `cases` prints, and its exit code, in
# expected/NAME. Re-record after changing monitrc.in or cases:
#
#     bash tests/golden/record.sh            # needs `apt-get install monit`
#
# The monit daemon runs in the foreground (-I) on its own files and unix socket in a
# scratch directory and is killed by its PID at the end; a system monit is not touched.
#
# A case whose arguments start with `@tty` runs on a terminal (`script`, TERM=xterm), where
# monit draws its boxes and colours; its stdout and stderr come merged, as on a terminal.
#
# Normalisation (the same in tests/golden.rs, `normalise`): dates (`Mon, 23 Nov 2026
# 19:37:09`) become `<date>`, the uptime in the `Monit 5.33.0 uptime: 0m` header becomes
# `<uptime>`, since both depend on when the files were recorded, and the terminal's
# `\r\n` line ends become `\n`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
monit="${MONIT:-/usr/bin/monit}"
[ -x "$monit" ] || { echo "record.sh: $monit not found (apt-get install monit)" >&2; exit 1; }

dir="$(mktemp -d /tmp/rmonit-golden.XXXXXX)"
daemon_pid=""
cleanup() {
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

# The fixtures: what the services of monitrc.in look at.
"$here/fixtures.sh" "$dir"
sed "s|@DIR@|$dir|g" "$here/monitrc.in" >"$dir/monitrc"
chmod 600 "$dir/monitrc"

"$monit" -c "$dir/monitrc" -I >"$dir/stdout.log" 2>&1 &
daemon_pid=$!

cli() { "$monit" -c "$dir/monitrc" "$@"; }

# Settled: every service checked (none initializing) and both programs have run twice,
# so their exit values are known (a program's result is read in the cycle after it ran).
settled() {
    [ "$(cli -B report initializing 2>/dev/null)" = 0 ] &&
        cli -B summary failing 2>/dev/null | grep -q 'Status failed' &&
        cli -B status passing 2>/dev/null | grep -q 'last exit value *0'
}
for _ in $(seq 100); do
    settled && break
    sleep 0.2
done
settled || { echo "record.sh: monit did not settle; its log:" >&2; cat "$dir/daemon.log" >&2; exit 1; }

normalise() {
    sed -E -e 's/\r$//' \
        -e 's/[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}/<date>/g' \
        -e 's/^(Monit [0-9.]+ uptime: ).*$/\1<uptime>/'
}

mkdir -p "$here/expected"
rm -f "$here/expected"/*
while read -r name args; do
    case "$name" in '' | '#'*) continue ;; esac
    read -r -a argv <<<"$args"
    set +e
    if [ "${argv[0]}" = "@tty" ]; then
        command="$(printf '%q ' "$monit" -c "$dir/monitrc" "${argv[@]:1}")"
        TERM=xterm script -qec "$command" /dev/null >"$dir/out" 2>"$dir/err" </dev/null
    else
        cli "${argv[@]}" >"$dir/out" 2>"$dir/err"
    fi
    code=$?
    set -e
    {
        printf 'exit: %s\n' "$code"
        printf -- '--- stdout\n'
        normalise <"$dir/out"
        printf -- '--- stderr\n'
        normalise <"$dir/err"
    } >"$here/expected/$name"
done <"$here/cases"
echo "recorded $(ls "$here/expected" | wc -l) cases in $here/expected"
