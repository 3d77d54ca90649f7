//! The worker Secret (`--worker-secret`): the workers' credentials reach
//! them from a Secret in the LiveMatch's namespace, by reference. The
//! Deployment names the Secret and its keys; the kubelet reads the values,
//! so they are never written into the Deployment, and the operator needs no
//! access to Secrets at all.
//!
//! * each key of [`KEYS`] present in the Secret becomes the worker variable
//!   it names (`valueFrom.secretKeyRef`, optional: a key may be absent);
//! * the whole Secret is mounted read-only at [`SECRET_DIR`], for settings
//!   that are files (`ssl.ca.location`, `ssl.certificate.location`,
//!   `ssl.key.location`, `SSL_CERT_FILE`). The volume is not optional: a
//!   missing Secret keeps the pods from starting with an event naming it,
//!   rather than letting them run without credentials.

use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector, SecretVolumeSource, Volume, VolumeMount};

use crate::labels::Component;

/// Where the worker Secret is mounted in the worker containers.
pub const SECRET_DIR: &str = "/etc/livematch/worker-secret";
/// Name of its volume.
pub const VOLUME: &str = "worker-secret";
/// Mode of its files: readable by the owner (root) and the group (the
/// pod's `fsGroup`, the workers' group), by no one else.
const FILE_MODE: i32 = 0o440;

/// A key of the worker Secret and the worker variable it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretKey {
    /// Key in the Secret.
    pub key: &'static str,
    /// The worker's environment variable.
    pub variable: &'static str,
    /// Only consumers use it (Redis); producers do not get it.
    pub consumer_only: bool,
}

/// The keys the workers read from their Secret.
pub const KEYS: [SecretKey; 4] = [
    SecretKey { key: "kafka-sasl-username", variable: "LIVEMATCH_KAFKA_SASL_USERNAME", consumer_only: false },
    SecretKey { key: "kafka-sasl-password", variable: "LIVEMATCH_KAFKA_SASL_PASSWORD", consumer_only: false },
    SecretKey { key: "redis-username", variable: "LIVEMATCH_REDIS_USERNAME", consumer_only: true },
    SecretKey { key: "redis-password", variable: "LIVEMATCH_REDIS_PASSWORD", consumer_only: true },
];

/// The variables of `component` filled from the Secret `name`.
#[must_use]
pub fn env(name: &str, component: Component) -> Vec<EnvVar> {
    KEYS.iter()
        .filter(|k| component == Component::Consumer || !k.consumer_only)
        .map(|k| EnvVar {
            name: k.variable.to_owned(),
            value: None,
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: name.to_owned(),
                    key: k.key.to_owned(),
                    optional: Some(true),
                }),
                ..EnvVarSource::default()
            }),
        })
        .collect()
}

/// The Secret `name` as a volume.
#[must_use]
pub fn volume(name: &str) -> Volume {
    Volume {
        name: VOLUME.to_owned(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(name.to_owned()),
            default_mode: Some(FILE_MODE),
            optional: Some(false),
            items: None,
        }),
        ..Volume::default()
    }
}

/// Its read-only mount at [`SECRET_DIR`].
#[must_use]
pub fn mount() -> VolumeMount {
    VolumeMount {
        name: VOLUME.to_owned(),
        mount_path: SECRET_DIR.to_owned(),
        read_only: Some(true),
        ..VolumeMount::default()
    }
}
