//! The `LiveMatch` custom resource (`livematch.dev/v1alpha1`, plural
//! `livematches`, short name `lm`, namespaced) of the livematch operator.
//!
//! * [`spec`]: [`LiveMatchSpec`] and the derived [`LiveMatch`] resource.
//! * [`source`]: `spec.source`, simulate or replay.
//! * [`kafka`]: `spec.kafka`, the match topic's settings.
//! * [`workers`]: `spec.consumers` and `spec.workers` (image, resources, pod overrides).
//! * [`status`]: [`LiveMatchStatus`], conditions and phases.
//! * [`validate`]: checks the schema cannot express ([`LiveMatchSpec::validate`]).
//! * [`ids`]: [`match_id`], the name of the match in Kafka, Redis and URLs.
//! * [`crd`]: the CustomResourceDefinition and its committed YAML.
//!
//! The doc comments on the fields are the schema's descriptions, which
//! `kubectl explain livematch.spec` prints. After changing a type,
//! regenerate the YAML, `crds/livematch.yaml` and its copy in the kustomize
//! base (a test fails until you do):
//!
//! ```text
//! cargo run -p livematch-crd --bin crdgen -- crds/livematch.yaml k8s/base/crd.yaml
//! ```
#![warn(missing_docs)]

pub mod crd;
pub mod ids;
pub mod kafka;
mod schema;
pub mod source;
pub mod spec;
pub mod status;
pub mod validate;
pub mod workers;

pub use crd::{CrdError, crd, crd_yaml};
pub use ids::{match_id, match_id_for};
pub use kafka::KafkaSpec;
pub use source::{ConfigMapKeyRef, MatchSource, ReplaySource, SimulateSource};
pub use spec::{LiveMatch, LiveMatchSpec, MatchFormat, Sport, Teams};
pub use status::{Condition, ConditionStatus, LiveMatchStatus, Phase, condition_type, reason};
pub use validate::{SpecError, describe};
pub use workers::{ConsumersSpec, ImagePullPolicy, PodOverrides, WorkersSpec};
