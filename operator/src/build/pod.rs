//! The worker pod template: container, probes, security context,
//! resources, environment, volumes and the spec's pod overrides.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, HTTPGetAction,
    KeyToPath, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use livematch_crd::{LiveMatchSpec, MatchSource, ReplaySource, WorkersSpec};

use super::args::{METRICS_PORT, REPLAY_DIR, WORKER_BINARY};
use super::secret;
use crate::config::WorkerDefaults;
use crate::labels::Component;

/// User and group the workers run as (the distroless `nonroot` user).
pub const RUN_AS: i64 = 65_532;
/// Name of the metrics/health container port.
pub const METRICS_PORT_NAME: &str = "metrics";
/// Seconds a worker has between SIGTERM and SIGKILL. On SIGTERM a consumer
/// finishes the batch in flight (one Redis transaction, then the offset
/// commit) and a producer stops between two events: both take well under a
/// second against healthy backends. Should a broker or Redis hang, the pod
/// is killed at the deadline and its successor replays what was cut short
/// (every effect is idempotent by seq, so a replay changes nothing).
pub const TERMINATION_GRACE_SECONDS: i64 = 30;

/// Default requests and limits of a worker container.
#[must_use]
pub fn default_resources() -> ResourceRequirements {
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_owned(), Quantity("50m".to_owned())),
            ("memory".to_owned(), Quantity("64Mi".to_owned())),
        ])),
        limits: Some(BTreeMap::from([("memory".to_owned(), Quantity("256Mi".to_owned()))])),
        ..ResourceRequirements::default()
    }
}

/// The container's environment: the spec's extra variables, then the
/// operator's (which win on a name clash): the addresses and options as
/// plain values, the credentials by reference to the worker Secret.
#[must_use]
pub fn env(workers: &WorkersSpec, defaults: &WorkerDefaults, component: Component) -> Vec<EnvVar> {
    let mut ours = vec![plain_env("LIVEMATCH_KAFKA", &defaults.kafka)];
    if !defaults.kafka_options.is_empty() {
        let options: Vec<String> = defaults.kafka_options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        ours.push(plain_env("LIVEMATCH_KAFKA_OPTIONS", &options.join(",")));
    }
    ours.push(plain_env("LIVEMATCH_LOG_FORMAT", defaults.log_format.as_str()));
    if component == Component::Consumer {
        ours.push(plain_env("LIVEMATCH_REDIS", &defaults.redis));
    }
    if let Some(name) = &defaults.secret {
        ours.extend(secret::env(name, component));
    }
    let mut all: Vec<EnvVar> = workers.env.iter().filter(|e| !ours.iter().any(|o| o.name == e.name)).cloned().collect();
    all.extend(ours);
    all
}

fn plain_env(name: &str, value: &str) -> EnvVar {
    EnvVar { name: name.to_owned(), value: Some(value.to_owned()), value_from: None }
}

fn http_probe(path: &str, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String(METRICS_PORT_NAME.to_owned()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

/// Liveness on `/healthz`, readiness on `/readyz`, both on port 9090.
#[must_use]
pub fn probes() -> (Probe, Probe) {
    (http_probe("/healthz", 10, 3), http_probe("/readyz", 5, 2))
}

/// Non-root, read-only root filesystem, no capabilities, no privilege
/// escalation, the runtime's default seccomp profile.
#[must_use]
pub fn container_security() -> SecurityContext {
    SecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(RUN_AS),
        run_as_group: Some(RUN_AS),
        read_only_root_filesystem: Some(true),
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".to_owned()]), add: None }),
        seccomp_profile: Some(runtime_default()),
        ..SecurityContext::default()
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile { type_: "RuntimeDefault".to_owned(), localhost_profile: None }
}

/// The pod-level security context.
#[must_use]
pub fn pod_security() -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(RUN_AS),
        run_as_group: Some(RUN_AS),
        fs_group: Some(RUN_AS),
        seccomp_profile: Some(runtime_default()),
        ..PodSecurityContext::default()
    }
}

/// The replay ConfigMap volume (producer of a ConfigMap replay only).
fn replay_volume(spec: &LiveMatchSpec) -> Option<Volume> {
    let MatchSource::Replay(ReplaySource::ConfigMap(cm)) = &spec.source else { return None };
    Some(Volume {
        name: "replay".to_owned(),
        config_map: Some(ConfigMapVolumeSource {
            name: cm.name.clone(),
            items: Some(vec![KeyToPath { key: cm.key.clone(), path: cm.key.clone(), mode: None }]),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    })
}

/// The worker container.
#[must_use]
pub fn container(
    spec: &LiveMatchSpec,
    defaults: &WorkerDefaults,
    component: Component,
    args: Vec<String>,
    with_replay: bool,
) -> Container {
    let workers = spec.workers_or_default();
    let (liveness, readiness) = probes();
    let mut mounts =
        vec![VolumeMount { name: "tmp".to_owned(), mount_path: "/tmp".to_owned(), ..VolumeMount::default() }];
    if with_replay {
        mounts.push(VolumeMount {
            name: "replay".to_owned(),
            mount_path: REPLAY_DIR.to_owned(),
            read_only: Some(true),
            ..VolumeMount::default()
        });
    }
    if defaults.secret.is_some() {
        mounts.push(secret::mount());
    }
    Container {
        name: component.as_str().to_owned(),
        image: Some(workers.image.clone().map_or_else(|| defaults.image.clone(), |i| i.trim().to_owned())),
        image_pull_policy: workers.image_pull_policy.map(|p| p.as_str().to_owned()),
        command: Some(vec![WORKER_BINARY.to_owned()]),
        args: Some(args),
        env: Some(env(&workers, defaults, component)),
        ports: Some(vec![ContainerPort {
            name: Some(METRICS_PORT_NAME.to_owned()),
            container_port: METRICS_PORT,
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        liveness_probe: Some(liveness),
        readiness_probe: Some(readiness),
        resources: Some(workers.resources.clone().unwrap_or_else(default_resources)),
        security_context: Some(container_security()),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

/// The pod template: `labels` (the operator's, plus the spec's extra
/// labels), the container and the spec's pod overrides.
#[must_use]
pub fn template(
    spec: &LiveMatchSpec,
    defaults: &WorkerDefaults,
    component: Component,
    args: Vec<String>,
    labels: &BTreeMap<String, String>,
) -> PodTemplateSpec {
    let workers = spec.workers_or_default();
    let overrides = workers.pod_overrides.clone().unwrap_or_default();
    let replay = if component == Component::Producer { replay_volume(spec) } else { None };
    let mut volumes = vec![Volume {
        name: "tmp".to_owned(),
        empty_dir: Some(EmptyDirVolumeSource { size_limit: Some(Quantity("64Mi".to_owned())), medium: None }),
        ..Volume::default()
    }];
    let container = container(spec, defaults, component, args, replay.is_some());
    volumes.extend(replay);
    volumes.extend(defaults.secret.as_deref().map(secret::volume));
    // Operator labels win; validation refuses reserved keys in overrides anyway.
    let mut pod_labels = overrides.labels.clone();
    pod_labels.extend(labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels),
            annotations: (!overrides.annotations.is_empty()).then(|| overrides.annotations.clone()),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            containers: vec![container],
            volumes: Some(volumes),
            security_context: Some(pod_security()),
            // Workers never talk to the Kubernetes API.
            automount_service_account_token: Some(false),
            termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
            enable_service_links: Some(false),
            node_selector: (!overrides.node_selector.is_empty()).then(|| overrides.node_selector.clone()),
            tolerations: (!overrides.tolerations.is_empty()).then(|| overrides.tolerations.clone()),
            affinity: overrides.affinity.clone(),
            service_account_name: overrides.service_account_name.clone(),
            priority_class_name: overrides.priority_class_name.clone(),
            image_pull_secrets: (!overrides.image_pull_secrets.is_empty())
                .then(|| overrides.image_pull_secrets.clone()),
            ..PodSpec::default()
        }),
    }
}
