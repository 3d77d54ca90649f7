//! Test fixtures shared by the unit tests.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use livematch_crd::{LiveMatch, LiveMatchSpec};

/// A simulated cricket match spec with the defaults.
pub fn spec() -> LiveMatchSpec {
    spec_from(serde_json::json!({"sport": "cricket", "source": {"simulate": {}}}))
}

/// A spec from its JSON form (as a manifest would have it).
pub fn spec_from(json: serde_json::Value) -> LiveMatchSpec {
    serde_json::from_value(json).expect("valid spec JSON")
}

/// A LiveMatch as read from the API server: namespace `default`, a uid,
/// generation 1.
pub fn live_match(name: &str, spec: LiveMatchSpec) -> LiveMatch {
    let mut lm = LiveMatch::new(name, spec);
    lm.metadata = ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some("default".to_owned()),
        uid: Some(format!("uid-{name}")),
        generation: Some(1),
        resource_version: Some("100".to_owned()),
        ..ObjectMeta::default()
    };
    lm
}

/// A lobby entry of match `default.m` (India v Pakistan).
pub fn lobby(
    status: livematch_sports::engine::Status,
    summary: &str,
    seq: u64,
) -> livematch_sports::engine::LobbyEntry {
    livematch_sports::engine::LobbyEntry {
        id: "default.m".into(),
        sport: livematch_sports::Sport::Cricket,
        status,
        teams: vec!["India".into(), "Pakistan".into()],
        summary: summary.into(),
        result: status.is_finished().then(|| "India won by 5 wickets".into()),
        seq,
        updated: 0,
    }
}
