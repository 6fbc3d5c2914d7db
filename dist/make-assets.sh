#!/usr/bin/env bash
# Writes the generated parts of the Debian package into target/assets/: the man page and
# the shell completions, from the rmonit binary given (default: target/release/rmonit).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/rmonit}"
mkdir -p target/assets
"$bin" man | gzip -9n > target/assets/rmonit.1.gz
"$bin" completions bash > target/assets/rmonit.bash
"$bin" completions zsh > target/assets/_rmonit
"$bin" completions fish > target/assets/rmonit.fish
