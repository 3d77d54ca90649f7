//! The worker command lines (`livematch produce` / `livematch consume`).
//!
//! Per-match settings travel as arguments, so `kubectl get deploy -o yaml`
//! shows what a worker plays; the connection settings (Kafka, Redis, log
//! format) come from the operator's configuration as `LIVEMATCH_*`
//! environment variables (see [`super::pod`]).

use livematch_crd::{LiveMatchSpec, MatchSource, ReplaySource};

/// Port of the workers' `/metrics`, `/healthz` and `/readyz`.
pub const METRICS_PORT: i32 = 9090;
/// Where a replay ConfigMap is mounted in the producer.
pub const REPLAY_DIR: &str = "/replay";
/// The worker binary in the image.
pub const WORKER_BINARY: &str = "livematch";

fn metrics_listen() -> String {
    format!("0.0.0.0:{METRICS_PORT}")
}

/// Arguments of the producer container (after the `livematch` command).
/// The sport is always named (`--sport`), so the pod spec says what it
/// plays; a simulated match also gets its format (the sport's default when
/// `spec.format` is unset), seed and teams.
#[must_use]
pub fn producer_args(spec: &LiveMatchSpec, match_id: &str) -> Vec<String> {
    let mut args = vec![
        "produce".to_owned(),
        "--match-id".to_owned(),
        match_id.to_owned(),
        "--sport".to_owned(),
        spec.sport.as_str().to_owned(),
    ];
    match &spec.source {
        MatchSource::Simulate(simulate) => {
            if let Some(format) = spec.effective_format() {
                args.extend(["--format".to_owned(), format.as_str().to_owned()]);
            }
            args.extend(["--seed".to_owned(), simulate.seed.to_string()]);
            if let Some(teams) = &spec.teams {
                args.extend(["--teams".to_owned(), format!("{},{}", teams.home.trim(), teams.away.trim())]);
            }
        }
        MatchSource::Replay(ReplaySource::ConfigMap(cm)) => {
            args.extend(["--replay".to_owned(), format!("{REPLAY_DIR}/{}", cm.key)]);
        }
        MatchSource::Replay(ReplaySource::Url(url)) => {
            args.extend(["--replay-url".to_owned(), url.trim().to_owned()]);
        }
    }
    args.extend([
        "--speed".to_owned(),
        format_speed(spec.speed),
        "--partitions".to_owned(),
        spec.kafka.partitions.to_string(),
        "--replication".to_owned(),
        spec.kafka.replication_factor.to_string(),
    ]);
    if let Some(retention) = &spec.kafka.retention {
        args.extend(["--retention".to_owned(), retention.clone()]);
    }
    args.extend(["--linger".to_owned(), "--metrics-listen".to_owned(), metrics_listen()]);
    args
}

/// Arguments of a consumer container (after the `livematch` command).
#[must_use]
pub fn consumer_args(match_id: &str) -> Vec<String> {
    vec![
        "consume".to_owned(),
        "--match-id".to_owned(),
        match_id.to_owned(),
        "--metrics-listen".to_owned(),
        metrics_listen(),
    ]
}

/// `1` for 1.0, `0.5` for 0.5: the shortest form that parses back the same.
fn format_speed(speed: f64) -> String {
    format!("{speed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> LiveMatchSpec {
        serde_json::from_value(json).expect("spec")
    }

    #[test]
    fn simulated_match_args() {
        let s = spec(serde_json::json!({
            "sport": "cricket", "format": "odi", "teams": {"home": " India ", "away": "Pakistan"},
            "source": {"simulate": {"seed": 42}}, "speed": 60.0,
            "kafka": {"partitions": 3, "replicationFactor": 2, "retention": "7d"}
        }));
        assert_eq!(
            producer_args(&s, "default.ind-pak"),
            [
                "produce",
                "--match-id",
                "default.ind-pak",
                "--sport",
                "cricket",
                "--format",
                "odi",
                "--seed",
                "42",
                "--teams",
                "India,Pakistan",
                "--speed",
                "60",
                "--partitions",
                "3",
                "--replication",
                "2",
                "--retention",
                "7d",
                "--linger",
                "--metrics-listen",
                "0.0.0.0:9090"
            ]
        );
    }

    #[test]
    fn defaults_fill_format_and_seed() {
        let s = spec(serde_json::json!({"sport": "cricket", "source": {"simulate": {}}, "speed": 0.5}));
        let args = producer_args(&s, "ns.m");
        let joined = args.join(" ");
        assert!(
            joined.contains("--format t20 --seed 1 --speed 0.5 --partitions 1 --replication 1 --linger"),
            "{joined}"
        );
        assert!(!joined.contains("--teams") && !joined.contains("--retention"), "{joined}");
    }

    #[test]
    fn configmap_replay_reads_the_mounted_file() {
        let s = spec(serde_json::json!({
            "sport": "cricket", "source": {"replay": {"configMap": {"name": "finals", "key": "match.json"}}}
        }));
        let args = producer_args(&s, "ns.m");
        let replay = args.iter().position(|a| a == "--replay").expect("--replay");
        assert_eq!(args[replay + 1], "/replay/match.json");
        assert!(!args.iter().any(|a| a == "--format" || a == "--seed"), "a replay has no format/seed: {args:?}");
    }

    #[test]
    fn url_replay_passes_the_url() {
        let s = spec(serde_json::json!({
            "sport": "cricket", "source": {"replay": {"url": "https://example.invalid/1384439.json"}}
        }));
        let args = producer_args(&s, "ns.m");
        let url = args.iter().position(|a| a == "--replay-url").expect("--replay-url");
        assert_eq!(args[url + 1], "https://example.invalid/1384439.json");
        assert!(!args.iter().any(|a| a == "--replay"));
    }

    /// What the worker CLI makes of producer arguments: the checked source.
    fn worker_source(args: &[String]) -> Result<livematch_workers::source::Source, String> {
        use clap::Parser;
        use livematch_workers::cli::{Cli, Command};
        let argv = std::iter::once(WORKER_BINARY.to_owned()).chain(args.iter().cloned());
        match Cli::try_parse_from(argv).map_err(|e| e.to_string())?.command {
            Command::Produce(p) => p.source.source().map_err(|e| e.to_string()),
            other => Err(format!("not produce: {other:?}")),
        }
    }

    #[test]
    fn every_sport_and_format_reaches_the_simulator() {
        use livematch_workers::source::Source;
        for sport in livematch_crd::Sport::ALL {
            let formats = sport.formats().iter().map(|f| Some(f.as_str()));
            for format in std::iter::once(None).chain(formats) {
                let mut json = serde_json::json!({
                    "sport": sport.as_str(), "teams": {"home": "Ana Ruiz", "away": "Mia Chen"},
                    "source": {"simulate": {"seed": 5}}
                });
                if let Some(format) = format {
                    json["format"] = format.into();
                }
                let s = spec(json);
                assert_eq!(s.validate(), Ok(()));
                let args = producer_args(&s, "ns.m");
                let joined = args.join(" ");
                let expected_format = format.or(sport.default_format().map(|f| f.as_str())).expect("a format");
                assert!(
                    joined.starts_with(&format!(
                        "produce --match-id ns.m --sport {sport} --format {expected_format} --seed 5"
                    )),
                    "{joined}"
                );
                let Ok(Source::Simulate(sim)) = worker_source(&args) else {
                    panic!("{joined}: {:?}", worker_source(&args))
                };
                assert_eq!(sim.sport.as_str(), sport.as_str(), "{joined}");
                assert_eq!(sim.format.map(|f| f.as_str()), Some(expected_format), "{joined}");
                assert_eq!(sim.seed, 5);
                assert_eq!(sim.teams, Some(("Ana Ruiz".into(), "Mia Chen".into())));
            }
        }
    }

    #[test]
    fn a_replay_names_its_sport_too() {
        let s = spec(
            serde_json::json!({"sport": "cricket", "source": {"replay": {"url": "https://example.invalid/1.json"}}}),
        );
        let args = producer_args(&s, "ns.m");
        assert_eq!(args[..5], ["produce", "--match-id", "ns.m", "--sport", "cricket"]);
        assert!(matches!(worker_source(&args), Ok(livematch_workers::source::Source::ReplayUrl { .. })), "{args:?}");
    }

    /// The CRD's names are the workers' names: a sport and format the API
    /// server accepts parse as the producer's `--sport` and `--format`,
    /// with the same formats per sport and the same defaults.
    #[test]
    fn crd_sports_and_formats_are_the_workers() {
        use livematch_sports::{Format, Sport};
        let sports: Vec<&str> = livematch_crd::Sport::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(sports, Sport::ALL.map(Sport::as_str));
        for crd_sport in livematch_crd::Sport::ALL {
            let sport: Sport = crd_sport.as_str().parse().expect("a workers sport");
            let crd_formats: Vec<&str> = crd_sport.formats().iter().map(|f| f.as_str()).collect();
            let formats: Vec<&str> = sport.formats().iter().map(|f| f.as_str()).collect();
            assert_eq!(crd_formats, formats, "{sport}");
            assert_eq!(crd_sport.default_format().map(|f| f.as_str()), Some(sport.default_format().as_str()));
            assert_eq!(crd_sport.can_replay(), sport == Sport::Cricket);
        }
        let formats: Vec<&str> = livematch_crd::MatchFormat::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(formats, Format::ALL.map(Format::as_str));
        for crd_format in livematch_crd::MatchFormat::ALL {
            let format: Format = crd_format.as_str().parse().expect("a workers format");
            assert_eq!(format.sport().as_str(), crd_format.sport().as_str());
            // The CRD serializes it under the same name.
            assert_eq!(serde_json::to_value(crd_format).ok(), Some(serde_json::Value::from(format.as_str())));
        }
    }

    #[test]
    fn consumer_args_name_the_match() {
        assert_eq!(consumer_args("ns.m"), ["consume", "--match-id", "ns.m", "--metrics-listen", "0.0.0.0:9090"]);
    }
}
