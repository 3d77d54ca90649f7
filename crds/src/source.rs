//! `spec.source`: where a match's events come from.
//!
//! Both levels are externally tagged enums (`{simulate: {...}}` or
//! `{replay: {...}}`; `{configMap: {...}}` or `{url: ...}`), so serde accepts
//! exactly one key. kube's schema rewriter turns each into a structural
//! schema with every variant as an optional property plus
//! `oneOf: [{required: [simulate]}, {required: [replay]}]`, a form
//! Kubernetes 1.20 accepts, so the API server rejects a manifest with none
//! or both.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where the match comes from: exactly one of `simulate` or `replay`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MatchSource {
    /// Play a new match with the seeded simulator (every sport).
    Simulate(SimulateSource),
    /// Replay a recorded match (a Cricsheet ball-by-ball JSON file): cricket
    /// only.
    Replay(ReplaySource),
}

impl MatchSource {
    /// `simulate` or `replay`, for logs and messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            MatchSource::Simulate(_) => "simulate",
            MatchSource::Replay(_) => "replay",
        }
    }
}

/// Settings of a simulated match.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimulateSource {
    /// Simulator seed: the same seed (and sport, format and teams) plays the
    /// same match, event for event.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

impl Default for SimulateSource {
    fn default() -> Self {
        SimulateSource { seed: default_seed() }
    }
}

fn default_seed() -> u64 {
    1
}

/// Where a recorded match is read from: exactly one of `configMap` or `url`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ReplaySource {
    /// A key of a ConfigMap in the LiveMatch's namespace holding the
    /// recorded match (e.g. `kubectl create configmap ind-pak
    /// --from-file=match.json=1384439.json`).
    ConfigMap(ConfigMapKeyRef),
    /// An http:// or https:// URL the producer downloads the recorded match
    /// from.
    Url(
        #[schemars(length(min = 8, max = 2048), pattern(r"^https?://[^\s/]+\S*$"))]
        String,
    ),
}

/// A key of a ConfigMap in the same namespace.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMapKeyRef {
    /// Name of the ConfigMap (in the LiveMatch's namespace).
    #[schemars(
        length(min = 1, max = 253),
        pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    )]
    pub name: String,
    /// Key within the ConfigMap whose value is the recorded match
    /// (Cricsheet JSON).
    #[schemars(length(min = 1, max = 253), pattern(r"^[-._a-zA-Z0-9]+$"))]
    pub key: String,
}
