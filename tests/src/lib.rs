//! Harness for end-to-end tests: real processes on loopback.
//!
//! * [`broker`], [`redis`]: a Kafka-compatible broker (Tansu) and
//!   `redis-server`, started per test on free ports.
//! * [`process`]: the `livematch` binary run as a child process.
//! * [`stack`]: broker + Redis + gateway, with producers and consumers.
//! * [`viewer`]: a WebSocket viewer that applies deltas like the web app.
//! * [`cluster`]: a real kube-apiserver + etcd + kube-controller-manager.
//! * [`kubelet`]: runs that cluster's Pods as local processes.
//! * [`manifests`]: the Dockerfile and the `k8s/` kustomizations, parsed.
//! * [`system`]: all of it on a test cluster, every Deployment running.
//! * [`topic`]: a match's topic and the fold of it (the reference state).
//! * [`wait`]: polling until a condition holds.
//! * [`chaos`]: the fault-injection suite and its table (`cargo xtask chaos`).

pub mod broker;
pub mod chaos;
pub mod cluster;
pub mod http;
pub mod kubelet;
pub mod manifests;
pub mod process;
pub mod redis;
pub mod stack;
pub mod system;
pub mod topic;
pub mod viewer;
pub mod wait;
