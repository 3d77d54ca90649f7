//! Is the match's recording there? A replay from a ConfigMap needs the
//! ConfigMap and its key before the producer can start; a missing one is
//! reported on the LiveMatch (Degraded, reason `SourceUnavailable`) instead
//! of a producer pod stuck in `CreateContainerConfigError`.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use livematch_crd::{LiveMatchSpec, MatchSource, ReplaySource};

use crate::error::Error;

/// The ConfigMap a spec replays from, as `(name, key)`.
#[must_use]
pub fn config_map_source(spec: &LiveMatchSpec) -> Option<(&str, &str)> {
    match &spec.source {
        MatchSource::Replay(ReplaySource::ConfigMap(cm)) => Some((cm.name.as_str(), cm.key.as_str())),
        _ => None,
    }
}

/// What is wrong with the replay ConfigMap `name` (as found: `None` when it
/// does not exist), or `None` when it holds `key`.
#[must_use]
pub fn problem(namespace: &str, name: &str, key: &str, found: Option<&ConfigMap>) -> Option<String> {
    let Some(cm) = found else {
        return Some(format!(
            "ConfigMap {namespace}/{name} (spec.source.replay.configMap) not found: create it with \
             `kubectl create configmap {name} --from-file={key}=MATCH.json`"
        ));
    };
    let data = cm.data.as_ref().is_some_and(|d| d.contains_key(key));
    let binary = cm.binary_data.as_ref().is_some_and(|d| d.contains_key(key));
    if data || binary {
        return None;
    }
    let mut keys: Vec<&str> = cm.data.iter().flatten().map(|(k, _)| k.as_str()).collect();
    keys.extend(cm.binary_data.iter().flatten().map(|(k, _)| k.as_str()));
    let keys = if keys.is_empty() { "none".to_owned() } else { keys.join(", ") };
    Some(format!("ConfigMap {namespace}/{name} has no key {key} (spec.source.replay.configMap.key); its keys: {keys}"))
}

/// Look the spec's replay ConfigMap up; `Some(problem)` when it is missing
/// or lacks the key, `None` when fine or not a ConfigMap replay.
///
/// # Errors
/// The API call failed (other than not found).
pub async fn check(client: &kube::Client, namespace: &str, spec: &LiveMatchSpec) -> Result<Option<String>, Error> {
    let Some((name, key)) = config_map_source(spec) else { return Ok(None) };
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let found = api.get_opt(name).await.map_err(|e| Error::kube(format!("get ConfigMap {namespace}/{name}"), e))?;
    Ok(problem(namespace, name, key, found.as_ref()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn cm(keys: &[&str]) -> ConfigMap {
        ConfigMap {
            data: Some(keys.iter().map(|k| ((*k).to_owned(), "{}".to_owned())).collect::<BTreeMap<_, _>>()),
            ..ConfigMap::default()
        }
    }

    #[test]
    fn a_missing_config_map_is_named_with_the_fix() {
        let p = problem("ns", "rec", "match.json", None).expect("problem");
        assert!(p.starts_with("ConfigMap ns/rec (spec.source.replay.configMap) not found"), "{p}");
        assert!(p.contains("--from-file=match.json="), "{p}");
    }

    #[test]
    fn a_missing_key_lists_the_keys_there_are() {
        let p = problem("ns", "rec", "match.json", Some(&cm(&["a.json", "b.json"]))).expect("problem");
        assert_eq!(
            p,
            "ConfigMap ns/rec has no key match.json (spec.source.replay.configMap.key); its keys: a.json, b.json"
        );
        let empty = problem("ns", "rec", "m", Some(&ConfigMap::default())).expect("problem");
        assert!(empty.ends_with("its keys: none"), "{empty}");
    }

    #[test]
    fn a_config_map_with_the_key_is_fine() {
        assert_eq!(problem("ns", "rec", "match.json", Some(&cm(&["match.json"]))), None);
        let binary = ConfigMap {
            binary_data: Some(BTreeMap::from([("match.json".to_owned(), k8s_openapi::ByteString(vec![1]))])),
            ..ConfigMap::default()
        };
        assert_eq!(problem("ns", "rec", "match.json", Some(&binary)), None);
    }
}
