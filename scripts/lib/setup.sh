# Shared set-up for scripts/demo, scripts/test and scripts/bench; sourced, not run.
# Idempotent: a second run only checks. Works on a fresh Debian machine as root (apt-get
# installs what is missing) or as a user who already has python3-venv and redis-server.

KIEBOT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV="$KIEBOT_ROOT/.venv"

say() { printf '\033[1m[kiebot]\033[0m %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing: $*; install it (Debian: sudo apt-get install -y $*) and run again"
    exit 1
  fi
  say "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# ensure_venv [extras]: the virtual environment with kiebot installed (editable).
ensure_venv() {
  local extras=${1:-} python stamp want
  python=$(find_python) || { apt_install python3 python3-venv; python=$(find_python); }
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$python" -m venv "$VENV" 2>/dev/null || {
      rm -rf "$VENV"
      apt_install python3-venv
      "$python" -m venv "$VENV"
    }
  fi
  stamp="$VENV/.kiebot-installed"
  want="$(sha256sum "$KIEBOT_ROOT/pyproject.toml" | cut -c1-16)${extras}"
  have=$(cat "$stamp" 2>/dev/null || true)
  # An install with dev extras also serves the demo and the bench: no reinstall back and forth.
  if [ "$have" != "$want" ] && { [ -n "$extras" ] || [ "${have%dev}" != "$want" ]; }; then
    say "installing kiebot${extras:+ with [$extras]} into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip 2>/dev/null || true
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$KIEBOT_ROOT${extras:+[$extras]}"
    echo "$want" >"$stamp"
  fi
}

ensure_redis_server() {
  if command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || [ -x /usr/sbin/redis-server ]; then
    return 0
  fi
  apt_install redis-server
}

# Debian's Chromium for the admin console's browser test (Playwright drives it; nothing
# is downloaded). As a user without it, the test is skipped and says why.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "no /usr/bin/chromium: the browser test will be skipped (Debian: sudo apt-get install -y chromium)"
    return 0
  fi
  apt_install chromium || say "could not install chromium: the browser test will be skipped"
}
