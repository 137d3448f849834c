# Shared by scripts/registry-up and scripts/registry-down (sourced, not run).
#
# Everything lives under one root (STACK_REGISTRY_ROOT, default /tmp/stack-registry):
#   state.env          the machine-readable lines registry-up prints (mode 0600)
#   plain/, auth/      one directory per registry: config.yml, data/, registry.log, pid
#   auth/htpasswd      the bcrypt password file of the authenticated registry
# and <root>.lock next to it serialises concurrent calls (flock).

REGISTRY_ROOT=${STACK_REGISTRY_ROOT:-/tmp/stack-registry}
REGISTRY_ROOT=${REGISTRY_ROOT%/}
STATE_FILE="$REGISTRY_ROOT/state.env"
LOCK_FILE="$REGISTRY_ROOT.lock"

say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

take_lock() {
  exec 9>"$LOCK_FILE"
  if ! flock -w "${STACK_REGISTRY_LOCK_WAIT:-120}" 9; then
    say "another registry-up/registry-down holds $LOCK_FILE; gave up waiting"
    exit 1
  fi
}

# True when PID is a live docker-registry serving the config file CONFIG: a PID from a state
# file may have been reused by an unrelated process since, and that one must never be signalled.
is_our_registry() {
  local pid=$1 config=$2 cmdline state
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # A zombie (exited, not yet reaped by whoever inherited it) is as good as gone.
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case "$cmdline" in
    *docker-registry*" serve $config "*) return 0 ;;
    *) return 1 ;;
  esac
}

# Stops the registry recorded in DIR/pid (if it is still ours), bounded: TERM, then KILL.
stop_registry_in() {
  local dir=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if is_our_registry "$pid" "$dir/config.yml"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      is_our_registry "$pid" "$dir/config.yml" || break
      sleep 0.1
    done
    if is_our_registry "$pid" "$dir/config.yml"; then
      say "registry pid $pid ignored SIGTERM for 5 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped registry pid $pid ($dir)"
  fi
  rm -f "$dir/pid"
}

stop_all_and_remove_root() {
  stop_registry_in "$REGISTRY_ROOT/plain"
  stop_registry_in "$REGISTRY_ROOT/auth"
  rm -rf "$REGISTRY_ROOT"
}
