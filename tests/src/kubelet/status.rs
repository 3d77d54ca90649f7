//! The Pod status a kubelet reports: phase, conditions and container
//! statuses, as a JSON merge patch for the `pods/status` subresource.

use serde_json::{Value, json};

/// What one container is doing, as `containerStatuses[].state` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Waiting { reason: String, message: String },
    Running { started_at: String },
    Terminated { exit_code: i32, finished_at: String },
}

/// One container's reported status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    pub name: String,
    pub image: String,
    pub state: State,
    pub ready: bool,
    pub restarts: u32,
    /// Exit code of the previous run, if it ended.
    pub last_exit: Option<i32>,
}

/// The current time as Kubernetes writes it (RFC 3339, UTC, seconds).
#[must_use]
pub fn now() -> String {
    k8s_openapi::jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The `status` merge patch for a pod whose containers are `containers`.
/// `ready_since` is when the Ready condition last changed.
#[must_use]
pub fn pod_status(containers: &[ContainerStatus], start_time: &str, ready_since: &str) -> Value {
    let all_ready = !containers.is_empty() && containers.iter().all(|c| c.ready);
    let any_running = containers.iter().any(|c| matches!(c.state, State::Running { .. }));
    let phase = if any_running || containers.iter().any(|c| c.restarts > 0) { "Running" } else { "Pending" };
    let flag = |b: bool| if b { "True" } else { "False" };
    let condition = |kind: &str, status: &str, since: &str| {
        let mut c = json!({"type": kind, "status": status, "lastTransitionTime": since});
        if status == "False" && kind != "PodScheduled" && kind != "Initialized" {
            c["reason"] = "ContainersNotReady".into();
        }
        c
    };
    json!({"status": {
        "phase": phase,
        "hostIP": "127.0.0.1",
        "podIP": "127.0.0.1",
        "podIPs": [{"ip": "127.0.0.1"}],
        "startTime": start_time,
        "conditions": [
            condition("Initialized", "True", start_time),
            condition("Ready", flag(all_ready), ready_since),
            condition("ContainersReady", flag(all_ready), ready_since),
            condition("PodScheduled", "True", start_time),
        ],
        "containerStatuses": containers.iter().map(container_status).collect::<Vec<_>>(),
    }})
}

fn container_status(c: &ContainerStatus) -> Value {
    let state = match &c.state {
        State::Waiting { reason, message } => json!({"waiting": {"reason": reason, "message": message}}),
        State::Running { started_at } => json!({"running": {"startedAt": started_at}}),
        State::Terminated { exit_code, finished_at } => json!({"terminated": {
            "exitCode": exit_code,
            "reason": if *exit_code == 0 { "Completed" } else { "Error" },
            "finishedAt": finished_at,
        }}),
    };
    let mut status = json!({
        "name": c.name,
        "image": c.image,
        "imageID": "",
        "ready": c.ready,
        "started": matches!(c.state, State::Running { .. }),
        "restartCount": c.restarts,
        "state": state,
    });
    if let Some(code) = c.last_exit {
        status["lastState"] = json!({"terminated": {
            "exitCode": code,
            "reason": if code == 0 { "Completed" } else { "Error" },
        }});
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(state: State, ready: bool) -> ContainerStatus {
        ContainerStatus { name: "c".into(), image: "img".into(), state, ready, restarts: 0, last_exit: None }
    }

    #[test]
    fn a_ready_running_pod_reports_ready_conditions() {
        let running = State::Running { started_at: "t1".into() };
        let s = pod_status(&[container(running, true)], "t0", "t2");
        assert_eq!(s["status"]["phase"], "Running");
        assert_eq!(
            s["status"]["conditions"][1],
            json!({"type": "Ready", "status": "True", "lastTransitionTime": "t2"})
        );
        assert_eq!(s["status"]["containerStatuses"][0]["state"]["running"]["startedAt"], "t1");
        assert_eq!(s["status"]["containerStatuses"][0]["started"], true);
    }

    #[test]
    fn a_pod_that_cannot_start_is_pending_and_not_ready() {
        let waiting = State::Waiting { reason: "CreateContainerConfigError".into(), message: "no cm".into() };
        let s = pod_status(&[container(waiting, false)], "t0", "t0");
        assert_eq!(s["status"]["phase"], "Pending");
        assert_eq!(s["status"]["conditions"][1]["status"], "False");
        assert_eq!(s["status"]["conditions"][1]["reason"], "ContainersNotReady");
        assert_eq!(s["status"]["containerStatuses"][0]["state"]["waiting"]["message"], "no cm");
    }

    #[test]
    fn a_restarted_container_reports_its_last_exit() {
        let mut c = container(State::Waiting { reason: "CrashLoopBackOff".into(), message: String::new() }, false);
        c.restarts = 2;
        c.last_exit = Some(137);
        let s = pod_status(&[c], "t0", "t0");
        assert_eq!(s["status"]["phase"], "Running");
        assert_eq!(s["status"]["containerStatuses"][0]["restartCount"], 2);
        assert_eq!(s["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"], 137);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
