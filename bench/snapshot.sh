#!/usr/bin/env bash
# Builds a frozen copy of a committed revision of stack to benchmark, so that a long bench
# run measures one revision and is not disturbed by edits and rebuilds in the working tree:
#   bash bench/snapshot.sh /tmp/stack-snap [rev]   then   node bench/run.mjs --stack-root /tmp/stack-snap
# The copy is `git archive` of the revision (default HEAD) with this tree's node_modules.
set -euo pipefail
dest=${1:?usage: bench/snapshot.sh <dir> [rev]}
rev=${2:-HEAD}
repo=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dest"; mkdir -p "$dest"
git -C "$repo" archive "$rev" | tar -x -C "$dest"
ln -s "$repo/node_modules" "$dest/node_modules"
git -C "$repo" rev-parse --short "$rev" > "$dest/COMMIT"
# tsc still emits when some file has type errors (a test helper, say): warn, and refuse only
# when the CLI itself was not produced.
if ! (cd "$dest" && node scripts/build.mjs >"$dest/BUILD.log" 2>&1); then
  echo "snapshot: the build reported errors (see $dest/BUILD.log):" >&2
  grep -m5 'error' "$dest/BUILD.log" >&2 || true
fi
[ -f "$dest/dist/src/main.js" ] || { echo "snapshot: no dist/src/main.js, nothing to measure" >&2; exit 1; }
echo "$dest: stack at $(cat "$dest/COMMIT"), built"
