//! Applying the desired children: server-side apply under the one field
//! manager, forced (a hand edit of a field the operator sets is taken back),
//! and pruning children of the match that are no longer desired.
//!
//! A child whose cached copy (the controller's Deployment reflector)
//! already holds every desired value is not applied again ([`contains`]),
//! so a steady-state reconcile makes no write. Drift changes a value the
//! operator owns, the comparison fails, and the next apply reverts it.
//! (Fields added by someone else under another field manager, e.g. an
//! extra env var, are left to them: server-side apply only removes what
//! its own manager stops setting.)

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::{Resource, ResourceExt};
use serde_json::Value;

use crate::config::FIELD_MANAGER;
use crate::error::Error;
use crate::labels;
use crate::status::ChildState;

/// Whether `observed` holds every value of `desired`: objects may have
/// more keys (server defaults), arrays must match element by element, and
/// an empty desired value (`null`, `{}`, `[]`) matches an absent one.
#[must_use]
pub fn contains(observed: &Value, desired: &Value) -> bool {
    match (desired, observed) {
        (Value::Object(want), Value::Object(have)) => want.iter().all(|(key, w)| match have.get(key) {
            Some(h) => contains(h, w),
            None => is_empty(w),
        }),
        (Value::Array(want), Value::Array(have)) => {
            want.len() == have.len() && want.iter().zip(have).all(|(w, h)| contains(h, w))
        }
        (Value::Null, _) => true,
        (want, have) => want == have || (is_empty(want) && is_empty(have)),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().all(is_empty),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Whether the cached `observed` child already is `desired`.
#[must_use]
pub fn up_to_date(observed: &Deployment, desired: &Deployment) -> bool {
    match (serde_json::to_value(observed), serde_json::to_value(desired)) {
        (Ok(have), Ok(want)) => contains(&have, &want),
        _ => false,
    }
}

/// Readiness of an applied child.
#[must_use]
pub fn child_state(deployment: &Deployment) -> ChildState {
    let status = deployment.status.as_ref();
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let stalled = status.and_then(|s| s.conditions.as_ref()).is_some_and(|conditions| {
        conditions.iter().any(|c| {
            c.type_ == "Progressing" && c.status == "False" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        })
    });
    ChildState { ready, stalled }
}

/// The cached copy of the child `name` in `namespace`, if any.
#[must_use]
pub fn cached(store: &Store<Deployment>, namespace: &str, name: &str) -> Option<Deployment> {
    store.get(&ObjectRef::new(name).within(namespace)).map(|d| (*d).clone())
}

/// Apply each desired child unless its cached copy is up to date; returns
/// the children as they now are (the apply response, or the cached copy),
/// in the order given.
///
/// # Errors
/// An apply was refused.
pub async fn apply_children(
    client: &kube::Client,
    store: &Store<Deployment>,
    desired: &[Deployment],
) -> Result<Vec<Deployment>, Error> {
    let mut out = Vec::with_capacity(desired.len());
    for child in desired {
        let namespace = child.namespace().unwrap_or_default();
        let name = child.name_any();
        if let Some(current) = cached(store, &namespace, &name).filter(|c| up_to_date(c, child)) {
            out.push(current);
            continue;
        }
        let api: Api<Deployment> = Api::namespaced(client.clone(), &namespace);
        let params = PatchParams::apply(FIELD_MANAGER).force();
        let applied = api
            .patch(&name, &params, &Patch::Apply(child))
            .await
            .map_err(|e| Error::kube(format!("apply Deployment {namespace}/{name}"), e))?;
        tracing::debug!(namespace, name, "applied");
        out.push(applied);
    }
    Ok(out)
}

/// Cached children of the match `match_id` owned by `owner_uid` whose
/// names are not in `keep`.
#[must_use]
pub fn unwanted(
    store: &Store<Deployment>,
    namespace: &str,
    match_id: &str,
    owner_uid: &str,
    keep: &[String],
) -> Vec<String> {
    let label = labels::label_value(match_id);
    store
        .state_filter(|d| {
            d.namespace().as_deref() == Some(namespace)
                && d.labels().get(labels::MATCH) == Some(&label)
                && d.labels().get(labels::MANAGED_BY).map(String::as_str) == Some(labels::MANAGER)
                && d.owner_references().iter().any(|o| o.uid == owner_uid)
        })
        .iter()
        .map(|d| d.name_any())
        .filter(|name| !keep.contains(name))
        .collect()
}

/// Delete the children `names` in `namespace` (already gone is fine).
///
/// # Errors
/// A delete was refused.
pub async fn delete_children(client: &kube::Client, namespace: &str, names: &[String]) -> Result<(), Error> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    for name in names {
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => tracing::info!(namespace, name, "deleted child Deployment"),
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(Error::kube(format!("delete Deployment {namespace}/{name}"), e)),
        }
    }
    Ok(())
}

/// The names of children of `owner` (for cleanup): what the builders name
/// them.
#[must_use]
pub fn child_names<K: Resource>(owner: &K) -> Vec<String> {
    let name = owner.meta().name.clone().unwrap_or_default();
    labels::Component::ALL.iter().map(|&c| labels::child_name(&name, c)).collect()
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::DeploymentStatus;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
    use kube::runtime::reflector;
    use kube::runtime::watcher::Event;
    use serde_json::json;

    use super::*;
    use crate::build::{self, Replicas};
    use crate::config::WorkerDefaults;
    use crate::testing::{live_match, spec};

    #[test]
    fn server_defaults_do_not_count_as_drift() {
        let want =
            json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "args": ["a"]}]}}}});
        let have = json!({"spec": {"replicas": 2, "progressDeadlineSeconds": 600,
            "template": {"spec": {"containers": [{"name": "c", "args": ["a"], "terminationMessagePath": "/dev/termination-log"}]}}}});
        assert!(contains(&have, &want));
    }

    #[test]
    fn changed_values_and_lists_are_drift() {
        let want = json!({"spec": {"replicas": 2, "args": ["a", "b"]}});
        assert!(!contains(&json!({"spec": {"replicas": 5, "args": ["a", "b"]}}), &want), "scaled by hand");
        assert!(!contains(&json!({"spec": {"replicas": 2, "args": ["a"]}}), &want), "arg removed");
        assert!(!contains(&json!({"spec": {"replicas": 2, "args": ["a", "b", "c"]}}), &want), "arg added");
        assert!(!contains(&json!({"spec": {"args": ["a", "b"]}}), &want), "field removed");
    }

    #[test]
    fn empty_desired_values_match_absent_ones() {
        assert!(contains(&json!({"a": 1}), &json!({"a": 1, "b": {}, "c": [], "d": null, "e": {"f": {}}})));
        assert!(!contains(&json!({"a": 1}), &json!({"a": 1, "b": {"x": 1}})));
        assert!(contains(&json!({"a": {}}), &json!({"a": {"b": null}})));
    }

    fn built() -> Vec<Deployment> {
        let lm = live_match("m", spec());
        build::deployments(&lm, &WorkerDefaults::default(), Replicas { producer: 1, consumer: 2 }).expect("build")
    }

    /// A child as the API server returns it: defaults added, status set.
    fn as_served(mut d: Deployment) -> Deployment {
        d.metadata.uid = Some("child-uid".into());
        d.metadata.resource_version = Some("7".into());
        d.metadata.generation = Some(1);
        if let Some(spec) = d.spec.as_mut() {
            spec.progress_deadline_seconds = Some(600);
            if let Some(pod) = spec.template.spec.as_mut() {
                pod.restart_policy = Some("Always".into());
                pod.containers[0].termination_message_path = Some("/dev/termination-log".into());
            }
        }
        d.status = Some(DeploymentStatus { ready_replicas: Some(2), replicas: Some(2), ..DeploymentStatus::default() });
        d
    }

    #[test]
    fn a_served_child_is_up_to_date_until_edited() {
        let desired = &built()[1];
        let mut served = as_served(desired.clone());
        assert!(up_to_date(&served, desired));
        if let Some(spec) = served.spec.as_mut() {
            spec.replicas = Some(7);
        }
        assert!(!up_to_date(&served, desired), "kubectl scale is drift");
        let mut served = as_served(desired.clone());
        if let Some(pod) = served.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
            pod.containers[0].image = Some("evil:latest".into());
        }
        assert!(!up_to_date(&served, desired), "a new image is drift");
    }

    #[test]
    fn child_state_reads_ready_and_stalled() {
        let mut d = as_served(built()[0].clone());
        assert_eq!(child_state(&d), ChildState { ready: 2, stalled: false });
        d.status = Some(
            serde_json::from_value(json!({"conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
            ]}))
            .expect("status"),
        );
        assert_eq!(child_state(&d), ChildState { ready: 0, stalled: true });
        d.status = None;
        assert_eq!(child_state(&d), ChildState::default());
    }

    #[test]
    fn only_owned_unwanted_children_are_pruned() {
        let (reader, mut writer) = reflector::store::<Deployment>();
        let children = built();
        let mut stray = children[0].clone();
        stray.metadata.name = Some("m-old-producer".into());
        let mut foreign = children[0].clone();
        foreign.metadata.name = Some("m-someone-elses".into());
        foreign.metadata.owner_references =
            Some(vec![OwnerReference { uid: "other".into(), ..OwnerReference::default() }]);
        writer.apply_watcher_event(&Event::Init);
        for d in children.iter().cloned().chain([stray, foreign]) {
            writer.apply_watcher_event(&Event::InitApply(d));
        }
        writer.apply_watcher_event(&Event::InitDone);
        let keep: Vec<String> = children.iter().map(ResourceExt::name_any).collect();
        assert_eq!(unwanted(&reader, "default", "default.m", "uid-m", &keep), ["m-old-producer"]);
        assert!(unwanted(&reader, "other-ns", "default.m", "uid-m", &keep).is_empty());
        assert!(cached(&reader, "default", "m-consumer").is_some());
        assert_eq!(child_names(&live_match("m", spec())), ["m-producer", "m-consumer"]);
    }
}
