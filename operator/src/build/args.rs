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
#[must_use]
pub fn producer_args(spec: &LiveMatchSpec, match_id: &str) -> Vec<String> {
    let mut args = vec!["produce".to_owned(), "--match-id".to_owned(), match_id.to_owned()];
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

    #[test]
    fn consumer_args_name_the_match() {
        assert_eq!(consumer_args("ns.m"), ["consume", "--match-id", "ns.m", "--metrics-listen", "0.0.0.0:9090"]);
    }
}
