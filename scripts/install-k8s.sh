#!/usr/bin/env bash
# Provide a real Kubernetes control plane for the operator's cluster tests
# (tests/src/cluster.rs):
#
#   * kube-apiserver + kube-controller-manager 1.20.2, built once from Debian
#     bookworm's `kubernetes` source package (about 5 minutes on 2 cores) and
#     cached outside the clone:
#       $LIVEMATCH_K8S_CACHE/bin/  (default ~/.cache/livematch/k8s-1.20/bin/)
#   * etcd (apt: etcd-server), kubectl (apt: kubernetes-client) and openssl
#     (the tests generate the service-account signing key), unless already
#     on PATH.
#
# Usage:
#   scripts/install-k8s.sh           install what is missing (as root when
#                                    something is missing), else return at once
#   scripts/install-k8s.sh --check   exit 0 when everything is there, 1 if not;
#                                    installs nothing, needs no root
#
# Idempotent: a second run only checks. Concurrent runs wait for each other
# (flock on the cache directory). Binaries land in the cache atomically, so an
# interrupted build never leaves a half-written binary behind.
set -euo pipefail

CACHE="${LIVEMATCH_K8S_CACHE:-$HOME/.cache/livematch/k8s-1.20}"
WANT_VERSION="v1.20.2"
DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources
DEB_SRC_SOURCES=/etc/apt/sources.list.d/debian-src.sources
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
APT_UPDATED=0

log() { printf 'install-k8s: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Both binaries present, executable, and of the expected version.
have_binaries() {
  local bin
  for bin in kube-apiserver kube-controller-manager; do
    [[ -x "$CACHE/bin/$bin" ]] || return 1
    "$CACHE/bin/$bin" --version 2>/dev/null | grep -qF "$WANT_VERSION" || return 1
  done
}

have_etcd() { command -v etcd >/dev/null 2>&1; }
have_kubectl() { command -v kubectl >/dev/null 2>&1; }
have_openssl() { command -v openssl >/dev/null 2>&1; }
everything_present() { have_binaries && have_etcd && have_kubectl && have_openssl; }

require_root() {
  [[ "$(id -u)" -eq 0 ]] || die "something is missing and installing it needs root (apt-get): run as root"
}

# apt-get update at most once per run, and only when something is missing.
apt_update_once() {
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
}

apt_install() {
  [[ $# -gt 0 ]] || return 0
  apt_update_once
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Runtime tools, plus the build tools when the control plane must be built.
install_packages() {
  local missing=()
  have_etcd || missing+=(etcd-server)
  have_kubectl || missing+=(kubernetes-client)
  have_openssl || missing+=(openssl)
  if ! have_binaries; then
    command -v go >/dev/null 2>&1 || missing+=(golang-go)
    command -v make >/dev/null 2>&1 || missing+=(make)
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
    [[ -d "$REFLECT2" ]] || missing+=(golang-github-modern-go-reflect2-dev)
  fi
  apt_install "${missing[@]}"
}

# deb-src entries, for `apt-get source`: a copy of the deb822 sources file
# with `Types: deb-src`.
enable_deb_src() {
  if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return 0
  fi
  [[ -f "$DEBIAN_SOURCES" ]] || die "no deb-src entries and no $DEBIAN_SOURCES to copy them from: enable source packages by hand"
  log "enabling source packages: $DEB_SRC_SOURCES"
  sed -E 's/^Types:.*$/Types: deb-src/' "$DEBIAN_SOURCES" >"$DEB_SRC_SOURCES"
  APT_UPDATED=0
}

build() {
  local work dir
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  enable_deb_src
  apt_update_once
  log "apt-get source kubernetes (into $work)"
  (cd "$work" && apt-get source -qq kubernetes >"$work/source.log" 2>&1) \
    || { tail -20 "$work/source.log" >&2; die "apt-get source kubernetes failed"; }
  dir="$(find "$work" -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)"
  [[ -n "$dir" ]] || die "kubernetes source tree not found in $work"
  # The vendored reflect2 crashes the API server on the first custom object
  # when built with this Go version: use Debian's packaged one instead.
  rm -rf "$dir/vendor/github.com/modern-go/reflect2"
  cp -r "$REFLECT2" "$dir/vendor/github.com/modern-go/reflect2"
  log "building kube-apiserver and kube-controller-manager (about 5 minutes; log: $work/build.log)"
  local start=$SECONDS
  (cd "$dir" && env -u GOFLAGS -u GOPATH GOPROXY=off CGO_ENABLED=0 \
      make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >"$work/build.log" 2>&1) \
    || { tail -50 "$work/build.log" >&2; die "build failed (last 50 lines above)"; }
  log "built in $((SECONDS - start)) s"
  mkdir -p "$CACHE/bin"
  local bin
  for bin in kube-apiserver kube-controller-manager; do
    [[ -x "$dir/_output/bin/$bin" ]] || die "build produced no $bin"
    cp "$dir/_output/bin/$bin" "$CACHE/bin/.$bin.tmp"
    mv -f "$CACHE/bin/.$bin.tmp" "$CACHE/bin/$bin"
  done
  have_binaries || die "the built binaries do not report $WANT_VERSION"
}

report() {
  log "kube-apiserver:          $CACHE/bin/kube-apiserver ($("$CACHE/bin/kube-apiserver" --version 2>/dev/null))"
  log "kube-controller-manager: $CACHE/bin/kube-controller-manager"
  log "etcd:                    $(command -v etcd) ($(etcd --version 2>/dev/null | head -n 1))"
  log "kubectl:                 $(command -v kubectl)"
}

main() {
  if [[ "${1:-}" == "--check" ]]; then
    if everything_present; then
      report
      exit 0
    fi
    log "missing: $(have_binaries || printf 'kube-apiserver/kube-controller-manager (%s) ' "$CACHE/bin")$(have_etcd || printf 'etcd ')$(have_kubectl || printf 'kubectl ')$(have_openssl || printf 'openssl')"
    exit 1
  fi
  [[ $# -eq 0 ]] || die "unknown argument: $1 (usage: $0 [--check])"

  if everything_present; then
    log "present (cached in $CACHE/bin)"
    report
    return 0
  fi
  require_root
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.install.lock"
  flock 9
  install_packages
  if have_binaries; then
    log "cached: $CACHE/bin"
  else
    build
  fi
  report
}

main "$@"
