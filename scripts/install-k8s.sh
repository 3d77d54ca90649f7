#!/usr/bin/env bash
# Build (once) a real kube-apiserver + kube-controller-manager 1.20 from
# Debian bookworm's `kubernetes` source package, plus etcd and kubectl, for
# the operator's cluster tests. The binaries are cached outside the clone
# (~5 minutes to build on 2 cores; later runs skip it):
#
#   $LIVEMATCH_K8S_CACHE (default ~/.cache/livematch/k8s-1.20)/bin/{kube-apiserver,kube-controller-manager}
#
# Run as root. Idempotent.
set -euo pipefail

CACHE="${LIVEMATCH_K8S_CACHE:-$HOME/.cache/livematch/k8s-1.20}"
log() { printf 'install-k8s: %s\n' "$*" >&2; }

have_binaries() {
  [[ -x "$CACHE/bin/kube-apiserver" && -x "$CACHE/bin/kube-controller-manager" ]]
}

apt_packages() {
  local missing=()
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  if ! have_binaries; then
    command -v go >/dev/null 2>&1 || missing+=(golang-go)
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
    [[ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ]] || missing+=(golang-github-modern-go-reflect2-dev)
  fi
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

enable_deb_src() {
  local src=/etc/apt/sources.list.d/debian-src.sources
  if [[ ! -f "$src" ]]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src"
    apt-get update -qq
  fi
}

build() {
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" RETURN
  enable_deb_src
  log "apt-get source kubernetes (in $work)"
  (cd "$work" && apt-get source -qq kubernetes >/dev/null 2>&1)
  local dir
  dir="$(find "$work" -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)"
  [[ -n "$dir" ]] || { log "kubernetes source not found"; exit 1; }
  # The vendored reflect2 crashes the API server on the first custom object
  # with this Go version: use Debian's.
  rm -rf "$dir/vendor/github.com/modern-go/reflect2"
  cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$dir/vendor/github.com/modern-go/reflect2"
  log "building kube-apiserver and kube-controller-manager (about 5 minutes)"
  (cd "$dir" && env -u GOFLAGS -u GOPATH GOPROXY=off CGO_ENABLED=0 \
      make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >"$work/build.log" 2>&1) \
    || { tail -50 "$work/build.log"; exit 1; }
  mkdir -p "$CACHE/bin"
  cp "$dir"/_output/bin/kube-apiserver "$dir"/_output/bin/kube-controller-manager "$CACHE/bin/"
}

main() {
  apt_packages
  if have_binaries; then
    log "cached: $CACHE/bin"
  else
    build
    log "built: $CACHE/bin"
  fi
}

main "$@"
