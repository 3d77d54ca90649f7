# syntax=docker/dockerfile:1.7
#
# One image for every livematch process on Kubernetes:
#   livematch-operator                       the operator (k8s/base/operator.yaml)
#   livematch produce | consume              the workers the operator creates per match
#   livematch gateway                        the viewers' gateway (k8s/base/gateway.yaml)
#   livematch demo --listen 0.0.0.0:8080     everything in one process, to try it
#
# Build (BuildKit, the default builder of Docker 23+ and of buildx/podman):
#   docker build -t livematch:0.1.0 .
#   docker build -t registry.example.com/livematch:0.1.0 -t registry.example.com/livematch:$(git rev-parse --short HEAD) .
#   docker run --rm -p 8080:8080 livematch:0.1.0 demo --listen 0.0.0.0:8080
#
# Build arguments:
#   RUST_VERSION   toolchain of the build stage, rust:<RUST_VERSION>-bookworm
#                  (default: the workspace's rust-version)
#   RUNTIME_IMAGE  base of the final stage (default: distroless cc, nonroot).
#                  It must provide glibc (Debian 12 or newer), libgcc_s and
#                  OpenSSL 3's libssl.so.3 (Debian's libssl3): distroless
#                  cc and base have them, base-nossl and static do not.
#   VERSION        the org.opencontainers.image.version label
#
# Tags: <version> (the workspace version, Cargo.toml) for releases, plus the
# git commit for builds in between. k8s/base names the image
# `livematch:<version>`; overlays point it at a registry with `images:`.
#
# The binaries link glibc and OpenSSL 3 (libssl3: librdkafka's TLS and SASL
# SCRAM, the rdkafka `ssl` feature) dynamically and everything else
# statically (librdkafka is built from source by rdkafka-sys; zlib too, with
# LIBZ_SYS_STATIC=1). The final image holds two binaries and the web app,
# runs as the distroless `nonroot` user (65532) and needs nothing writable:
# the manifests mount a read-only root filesystem.

ARG RUST_VERSION=1.89
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM rust:${RUST_VERSION}-bookworm AS build
# Compile zlib into the binaries: the runtime image has no libz.so.
ENV LIBZ_SYS_STATIC=1 \
    CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0
# librdkafka is built against the system OpenSSL, found with pkg-config
# (installed explicitly rather than relying on what the rust image carries).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole workspace (every member's manifest is needed to resolve it);
# .dockerignore leaves out target/ and other local state.
COPY . .
# Registry and target directory are BuildKit cache mounts, so a rebuild
# compiles only what changed; the binaries are copied out of the cache.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked \
        -p livematch-workers -p livematch-operator \
        --bin livematch --bin livematch-operator \
 && mkdir -p /out \
 && cp target/release/livematch target/release/livematch-operator /out/

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="livematch" \
      org.opencontainers.image.description="Live sports match streams on Kubernetes: operator, producer, consumer, gateway" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Kubernetes runs `command: ["livematch"]` / `["livematch-operator"]`: both
# are found on this PATH.
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    LIVEMATCH_PUBLIC_DIR=/usr/share/livematch/public
COPY --from=build /out/livematch /out/livematch-operator /usr/local/bin/
# The web app the gateway (and the demo) serves.
COPY public/ /usr/share/livematch/public/
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/livematch"]
CMD ["--help"]
