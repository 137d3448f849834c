#!/usr/bin/env bash
# The quickstart, from a fresh clone: engine, local image, dependencies, build, then the stack.
# Re-running it is safe: every step is idempotent and `up` only changes what differs.
#
#   examples/quickstart/run.sh            bring it up (detached) and show where to look
#   QUICKSTART_PORT=9090 examples/quickstart/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
say() { printf '\n==> %s\n' "$*" >&2; }

say "making sure a Docker engine answers (installs Debian's docker.io when missing)"
bash scripts/engine-up

say "building the local base image (busybox, no registry needed)"
QUICKSTART_IMAGE=$(bash scripts/test-image)
export QUICKSTART_IMAGE

if [ ! -d node_modules ]; then say "installing dependencies"; npm ci --no-audit --no-fund; fi
if [ ! -f dist/src/main.js ] || [ -n "$(find src -newer dist/src/main.js -name '*.ts' -print -quit)" ]; then
  say "building stack"; npm run build --silent
fi

stack() { node "$repo/bin/stack.js" -f "$here/stack.yaml" "$@"; }

say "applying the plan (printed below: every change with its cause)"
stack up -d --wait

say "what runs"
stack ps

address=$(stack port web 80)
cat <<MSG

The quickstart is up.
  open        http://$address/
  logs        node bin/stack.js -f examples/quickstart/stack.yaml logs -f
  change it   edit examples/quickstart/stack.yaml (e.g. WORKER_INTERVAL or replicas), then
              node bin/stack.js -f examples/quickstart/stack.yaml plan   # see what would change
              node bin/stack.js -f examples/quickstart/stack.yaml up -d  # apply it
  tear down   node bin/stack.js -f examples/quickstart/stack.yaml down -v
MSG
