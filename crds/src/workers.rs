//! `spec.consumers` and `spec.workers`: how many consumers run, and the
//! container and pod settings of the worker pods (producer and consumers).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, EnvVar, LocalObjectReference, ResourceRequirements, Toleration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most consumer replicas a LiveMatch may ask for.
pub const MAX_CONSUMER_REPLICAS: i32 = 16;

/// Label key prefixes the operator owns on worker pods (its selectors use
/// them): `spec.workers.podOverrides.labels` may not set keys under these.
pub const RESERVED_LABEL_PREFIXES: &[&str] = &["livematch.dev/", "app.kubernetes.io/"];

/// The consumers of a match.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsumersSpec {
    /// Consumer replicas. They share the topic's consumer group, so one
    /// consumes while the others stand by to take over at once. 0 stops
    /// consuming (the score stays as it was). This is what
    /// `kubectl scale lm/NAME --replicas=N` sets.
    #[serde(default = "default_consumer_replicas")]
    #[schemars(range(min = 0, max = MAX_CONSUMER_REPLICAS))]
    pub replicas: i32,
}

fn default_consumer_replicas() -> i32 {
    2
}

impl Default for ConsumersSpec {
    fn default() -> Self {
        ConsumersSpec { replicas: default_consumer_replicas() }
    }
}

/// When the kubelet pulls the worker image.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
pub enum ImagePullPolicy {
    /// Pull on every pod start.
    Always,
    /// Pull only when the node does not have the image.
    IfNotPresent,
    /// Never pull: the image must already be on the node.
    Never,
}

impl ImagePullPolicy {
    /// The value of a container's `imagePullPolicy`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
            ImagePullPolicy::Never => "Never",
        }
    }
}

/// Container and pod settings of the worker pods (producer and consumers).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkersSpec {
    /// Worker image (the `livematch` binary). Unset: the image the operator
    /// was configured with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512))]
    pub image: Option<String>,

    /// Image pull policy of the worker containers. Unset: the Kubernetes
    /// default (Always for `:latest`, IfNotPresent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = crate::schema::field_doc_wins)]
    pub image_pull_policy: Option<ImagePullPolicy>,

    /// Compute resources of each worker container (the producer and each
    /// consumer). Unset: the operator's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// Extra environment variables of the worker containers (e.g.
    /// `RUST_LOG`). Variables the operator sets itself win over these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,

    /// Pod-level settings merged into the worker pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_overrides: Option<PodOverrides>,
}

/// Pod-level settings merged into the worker pods.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodOverrides {
    /// Extra pod labels. Keys under `livematch.dev/` and
    /// `app.kubernetes.io/` belong to the operator and are refused.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,

    /// Extra pod annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,

    /// Node labels a worker pod's node must have.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,

    /// Tolerations of the worker pods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,

    /// Affinity (node, pod, anti-affinity) of the worker pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,

    /// Service account the worker pods run as. Unset: the namespace's
    /// `default` account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub service_account_name: Option<String>,

    /// Priority class of the worker pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub priority_class_name: Option<String>,

    /// Secrets (in the LiveMatch's namespace) used to pull the worker image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalObjectReference>,
}

/// Whether a pod label key belongs to the operator.
#[must_use]
pub fn is_reserved_label(key: &str) -> bool {
    RESERVED_LABEL_PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}
