//! `LiveMatchSpec::validate`: each rule the schema cannot express, with the
//! message naming the field.

use livematch_crd::{
    LiveMatchSpec, MatchFormat, MatchSource, PodOverrides, ReplaySource, SpecError, Sport, Teams, WorkersSpec, describe,
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

fn simulated_sport(sport: &str, format: Option<&str>) -> LiveMatchSpec {
    let mut json = serde_json::json!({"sport": sport, "source": {"simulate": {"seed": 3}}});
    if let Some(format) = format {
        json["format"] = format.into();
    }
    serde_json::from_value(json).unwrap_or_else(|e| panic!("{sport} {format:?}: {e}"))
}

#[test]
fn every_sport_plays_its_own_formats_only() {
    for sport in Sport::ALL {
        let formats = sport.formats();
        assert!(!formats.is_empty(), "{sport} has formats");
        // Unset: the sport's first format.
        let spec = simulated_sport(sport.as_str(), None);
        assert_eq!(spec.sport, sport);
        assert_eq!(spec.validate(), Ok(()), "{sport} without a format");
        assert_eq!(spec.effective_format(), Some(formats[0]), "{sport}'s default");
        assert_eq!(sport.default_format(), Some(formats[0]));
        for format in MatchFormat::ALL {
            let spec = simulated_sport(sport.as_str(), Some(format.as_str()));
            assert_eq!(spec.format, Some(format));
            if formats.contains(&format) {
                assert_eq!(format.sport(), sport);
                assert_eq!(spec.validate(), Ok(()), "{sport} as {format}");
                assert_eq!(spec.effective_format(), Some(format));
            } else {
                let errs = errors(&spec);
                assert_eq!(errs.len(), 1, "{sport} as {format}: {errs:?}");
                assert_eq!(errs[0].metric_label(), "format");
                let allowed = formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ");
                assert_eq!(
                    errs[0].to_string(),
                    format!("spec.format: {sport} cannot be played as {format} (formats of {sport}: {allowed})")
                );
            }
        }
    }
    // Each format belongs to exactly one sport.
    for format in MatchFormat::ALL {
        let owners: Vec<Sport> = Sport::ALL.into_iter().filter(|s| s.formats().contains(&format)).collect();
        assert_eq!(owners, [format.sport()], "{format}");
    }
}

#[test]
fn football_as_t20_names_the_football_formats() {
    let spec = simulated_sport("football", Some("t20"));
    assert_eq!(
        messages(&spec),
        ["spec.format: football cannot be played as t20 (formats of football: league, knockout)"]
    );
    let spec = simulated_sport("tennis", Some("nba"));
    assert_eq!(
        messages(&spec),
        [
            "spec.format: tennis cannot be played as nba (formats of tennis: best_of_3, best_of_5, best_of_3_match_tiebreak)"
        ]
    );
}

#[test]
fn only_cricket_can_be_replayed() {
    for sport in [Sport::Football, Sport::Basketball, Sport::Tennis] {
        let mut spec = replay();
        spec.sport = sport;
        let errs = errors(&spec);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].metric_label(), "replay_not_supported");
        let message = errs[0].to_string();
        assert!(message.starts_with("spec.source.replay: only cricket matches can be replayed"), "{message}");
        assert!(message.contains(&format!("simulate the {sport} match")), "{message}");
        assert_eq!(spec.effective_format(), None);
    }
    assert_eq!(replay().validate(), Ok(()));
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
