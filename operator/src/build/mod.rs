//! Pure builders: a LiveMatch and the operator's worker defaults in, the
//! desired child Deployments out. No I/O, so every decision here is unit
//! tested without a cluster.
//!
//! * producer: `<name>-producer`, 1 replica (0 while paused or once the
//!   match is completed), `Recreate` strategy so two producers of one
//!   match never run at once;
//! * consumer: `<name>-consumer`, `spec.consumers.replicas` (0 while
//!   paused), rolling updates.
//!
//! Both carry the labels of [`crate::labels`] and a controller owner
//! reference to the LiveMatch, so Kubernetes garbage-collects them with it
//! and the controller is told when they drift.

pub mod args;
pub mod pod;
pub mod secret;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};
use livematch_crd::{LiveMatch, LiveMatchSpec, match_id};

use crate::config::WorkerDefaults;
use crate::labels::{self, Component};

/// Old ReplicaSets kept per child (rollback is re-applying the spec).
const REVISION_HISTORY: i32 = 2;

/// Why the desired children cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The object has no uid (it was not read from the API server), so no
    /// owner reference can point at it.
    #[error("LiveMatch {name}: no metadata.uid to own its children with")]
    MissingUid {
        /// Name of the LiveMatch.
        name: String,
    },
    /// The object has no namespace.
    #[error("LiveMatch {name}: no metadata.namespace")]
    MissingNamespace {
        /// Name of the LiveMatch.
        name: String,
    },
}

impl BuildError {
    /// Stable short category for metrics and Events.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            BuildError::MissingUid { .. } => "missing_uid",
            BuildError::MissingNamespace { .. } => "missing_namespace",
        }
    }
}

/// Replicas of the two children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replicas {
    /// Producer replicas: 1 or 0.
    pub producer: i32,
    /// Consumer replicas.
    pub consumer: i32,
}

impl Replicas {
    /// What a match runs: nothing while paused; no producer once the match
    /// is completed (its events are all in the topic); consumers as the
    /// spec says otherwise (they keep the Redis scorecard rebuilt from the
    /// topic should Redis lose it).
    #[must_use]
    pub fn desired(spec: &LiveMatchSpec, paused: bool, completed: bool) -> Self {
        if paused {
            return Replicas { producer: 0, consumer: 0 };
        }
        Replicas { producer: i32::from(!completed), consumer: spec.consumers.replicas.max(0) }
    }

    /// Replicas of one component.
    #[must_use]
    pub fn of(self, component: Component) -> i32 {
        match component {
            Component::Producer => self.producer,
            Component::Consumer => self.consumer,
        }
    }
}

/// The controller owner reference to `lm`.
///
/// # Errors
/// [`BuildError::MissingUid`] for an object without a uid.
pub fn owner_reference(lm: &LiveMatch) -> Result<OwnerReference, BuildError> {
    lm.controller_owner_ref(&())
        .filter(|r| !r.uid.is_empty())
        .ok_or_else(|| BuildError::MissingUid { name: lm.name_any() })
}

/// The desired Deployment of one component.
///
/// # Errors
/// The LiveMatch has no namespace or uid.
pub fn deployment(
    lm: &LiveMatch,
    defaults: &WorkerDefaults,
    component: Component,
    replicas: Replicas,
) -> Result<Deployment, BuildError> {
    let name = lm.name_any();
    let namespace = lm.namespace().ok_or_else(|| BuildError::MissingNamespace { name: name.clone() })?;
    let owner = owner_reference(lm)?;
    let id = match_id(lm);
    let labels = labels::child_labels(&name, &id, component);
    let args = match component {
        Component::Producer => args::producer_args(&lm.spec, &id),
        Component::Consumer => args::consumer_args(&id),
    };
    let strategy = (component == Component::Producer)
        .then(|| DeploymentStrategy { type_: Some("Recreate".to_owned()), rolling_update: None });
    Ok(Deployment {
        metadata: ObjectMeta {
            name: Some(labels::child_name(&name, component)),
            namespace: Some(namespace),
            labels: Some(labels.clone()),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(replicas.of(component)),
            revision_history_limit: Some(REVISION_HISTORY),
            selector: LabelSelector {
                match_labels: Some(labels::selector_labels(&name, component)),
                match_expressions: None,
            },
            strategy,
            template: pod::template(&lm.spec, defaults, component, args, &labels),
            ..DeploymentSpec::default()
        }),
        status: None,
    })
}

/// Both desired Deployments, producer first.
///
/// # Errors
/// The LiveMatch has no namespace or uid.
pub fn deployments(
    lm: &LiveMatch,
    defaults: &WorkerDefaults,
    replicas: Replicas,
) -> Result<Vec<Deployment>, BuildError> {
    Component::ALL.iter().map(|&c| deployment(lm, defaults, c, replicas)).collect()
}

/// The label selector (string form) of a match's consumer pods, for
/// `status.selector` (the scale subresource).
#[must_use]
pub fn consumer_selector(lm: &LiveMatch) -> String {
    labels::to_selector(&labels::selector_labels(&lm.name_any(), Component::Consumer))
}

#[cfg(test)]
mod tests;
