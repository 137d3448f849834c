#!/usr/bin/env bash
# Brings up examples/hot-reload and watches it: the engine and the local test image are set up
# first (scripts/engine-up, scripts/test-image), nothing is pulled. Ctrl-C stops the containers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bash "$root/scripts/engine-up" >&2
bash "$root/scripts/test-image" >/dev/null
[ -f "$root/dist/stack.cjs" ] || (cd "$root" && npm run build >&2)
echo "web: http://127.0.0.1:${HOT_RELOAD_PORT:-8088}/  — edit $here/site/index.html" >&2
exec node "$root/bin/stack.js" -f "$here/stack.yaml" watch "$@"
