//! `LiveMatchSpec::validate`: each rule the schema cannot express, with the
//! message naming the field.

use livematch_crd::{
    LiveMatchSpec, MatchFormat, MatchSource, PodOverrides, ReplaySource, SpecError, Teams, WorkersSpec, describe,
};

fn simulated() -> LiveMatchSpec {
    serde_json::from_value(serde_json::json!({"sport": "cricket", "source": {"simulate": {"seed": 7}}})).expect("spec")
}

fn replay() -> LiveMatchSpec {
    serde_json::from_value(serde_json::json!({
        "sport": "cricket",
        "source": {"replay": {"configMap": {"name": "m", "key": "match.json"}}}
    }))
    .expect("spec")
}

fn errors(spec: &LiveMatchSpec) -> Vec<SpecError> {
    spec.validate().expect_err("should be invalid")
}

fn messages(spec: &LiveMatchSpec) -> Vec<String> {
    errors(spec).iter().map(ToString::to_string).collect()
}

#[test]
fn defaults_are_valid() {
    assert_eq!(simulated().validate(), Ok(()));
    assert_eq!(replay().validate(), Ok(()));
    let mut spec = simulated();
    spec.format = Some(MatchFormat::Odi);
    spec.teams = Some(Teams { home: "India".into(), away: "Australia".into() });
    assert_eq!(spec.validate(), Ok(()));
}

#[test]
fn teams_must_differ() {
    let mut spec = simulated();
    spec.teams = Some(Teams { home: "India".into(), away: " india ".into() });
    assert_eq!(messages(&spec), ["spec.teams: home and away must differ (both are \"India\")"]);
    assert_eq!(errors(&spec)[0].metric_label(), "same_teams");
}

#[test]
fn teams_must_not_be_blank() {
    let mut spec = simulated();
    spec.teams = Some(Teams { home: "  ".into(), away: String::new() });
    assert_eq!(messages(&spec), ["spec.teams.home: must not be blank", "spec.teams.away: must not be blank"]);
}

#[test]
fn a_replay_takes_format_and_teams_from_the_file() {
    let mut spec = replay();
    spec.format = Some(MatchFormat::T20);
    spec.teams = Some(Teams { home: "A".into(), away: "B".into() });
    assert_eq!(
        messages(&spec),
        [
            "spec.format: a replay takes its format from the recorded match; remove spec.format",
            "spec.teams: a replay takes its teams from the recorded match; remove spec.teams",
        ]
    );
}

#[test]
fn speed_must_be_a_non_negative_number() {
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let mut spec = simulated();
        spec.speed = bad;
        let msgs = messages(&spec);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].starts_with("spec.speed: must be a number >= 0"), "{msgs:?}");
    }
    let mut spec = simulated();
    spec.speed = 0.0;
    assert_eq!(spec.validate(), Ok(()), "0 = as fast as possible");
}

#[test]
fn ranges_are_checked_again() {
    let mut spec = simulated();
    spec.kafka.partitions = 0;
    spec.kafka.replication_factor = 6;
    spec.consumers.replicas = -1;
    assert_eq!(
        messages(&spec),
        [
            "spec.kafka.partitions: must be between 1 and 64, got 0",
            "spec.kafka.replicationFactor: must be between 1 and 5, got 6",
            "spec.consumers.replicas: must be between 0 and 16, got -1",
        ]
    );
    spec.kafka.partitions = 64;
    spec.kafka.replication_factor = 5;
    spec.consumers.replicas = 16;
    assert_eq!(spec.validate(), Ok(()), "bounds are inclusive");
}

#[test]
fn retention_must_parse() {
    let mut spec = simulated();
    spec.kafka.retention = Some("1 week".into());
    let errs = errors(&spec);
    assert_eq!(errs[0].metric_label(), "retention");
    assert!(errs[0].to_string().starts_with("spec.kafka.retention: \"1 week\" is not a duration"), "{}", errs[0]);
}

#[test]
fn operator_labels_and_blank_strings_are_refused() {
    let mut spec = simulated();
    let mut pod = PodOverrides::default();
    pod.labels.insert("livematch.dev/match".into(), "x".into());
    pod.labels.insert("app.kubernetes.io/name".into(), "x".into());
    pod.labels.insert("team".into(), "ok".into());
    pod.service_account_name = Some(" ".into());
    spec.workers = Some(WorkersSpec { image: Some(" ".into()), pod_overrides: Some(pod), ..WorkersSpec::default() });
    let msgs = messages(&spec);
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert_eq!(msgs[0], "spec.workers.image: must not be blank");
    assert!(
        msgs[1].starts_with("spec.workers.podOverrides.labels: \"app.kubernetes.io/name\" is reserved"),
        "{msgs:?}"
    );
    assert!(msgs[2].starts_with("spec.workers.podOverrides.labels: \"livematch.dev/match\" is reserved"), "{msgs:?}");
    assert_eq!(msgs[3], "spec.workers.podOverrides.serviceAccountName: must not be blank");
}

#[test]
fn blank_url_is_refused() {
    let mut spec = replay();
    spec.source = MatchSource::Replay(ReplaySource::Url("   ".into()));
    assert_eq!(messages(&spec), ["spec.source.replay.url: must not be blank"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut spec = simulated();
    spec.teams = Some(Teams { home: "X".into(), away: "X".into() });
    spec.speed = -2.0;
    spec.consumers.replicas = 99;
    let errs = errors(&spec);
    let labels: Vec<&str> = errs.iter().map(SpecError::metric_label).collect();
    assert_eq!(labels, ["same_teams", "speed", "out_of_range"]);
    let joined = describe(&errs);
    assert_eq!(joined.matches("; ").count(), 2, "{joined}");
    assert!(joined.contains("spec.consumers.replicas: must be between 0 and 16, got 99"), "{joined}");
}

#[test]
fn exactly_one_source_is_enforced_when_reading() {
    let both = serde_json::json!({
        "sport": "cricket",
        "source": {"simulate": {}, "replay": {"url": "https://example.invalid/m.json"}}
    });
    assert!(serde_json::from_value::<LiveMatchSpec>(both).is_err());
    let none = serde_json::json!({"sport": "cricket", "source": {}});
    assert!(serde_json::from_value::<LiveMatchSpec>(none).is_err());
}
