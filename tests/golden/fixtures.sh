#!/bin/sh
# Creates in directory $1 what the services of monitrc.in look at (used by record.sh and
# tests/golden.rs): a file with the mode the rule wants, one with another mode, a fifo and a
# directory. The pidfiles stay absent, as does missing.txt.
set -eu
dir="$1"
printf 'golden\n' >"$dir/config.txt"
chmod 644 "$dir/config.txt"
printf 'secret\n' >"$dir/secret.txt"
chmod 600 "$dir/secret.txt"
mkfifo "$dir/pipe"
chmod 644 "$dir/pipe"
mkdir "$dir/spool"
chmod 755 "$dir/spool"
