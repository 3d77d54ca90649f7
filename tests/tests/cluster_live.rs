//! The whole system as a cluster admin runs it, on a real kube-apiserver
//! 1.20 with kube-controller-manager, a real broker and a real Redis:
//!
//! 1. the operator runs as a Deployment (its own ServiceAccount and RBAC
//!    from `operator/deploy/rbac.yaml`), started by the test kubelet;
//! 2. `kubectl create configmap` holds a real Cricsheet match and
//!    `kubectl apply` a LiveMatch replaying it;
//! 3. the operator's producer and consumer Deployments really run (the
//!    kubelet runs their pods' commands as local processes) and a WebSocket
//!    viewer of the gateway follows the match from its first ball to the
//!    end, every sequence number once, ending on exactly the fold of the
//!    topic; `kubectl get lm` shows it Completed with the score;
//! 4. `kubectl scale` runs three consumer processes; one is killed -9 and
//!    restarted by the kubelet;
//! 5. `kubectl delete` stops the workers and removes topic and Redis keys.
//!
//! A second match names a ConfigMap that does not exist: its producer pod
//! cannot start and the LiveMatch says why.

use std::time::Duration;

use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::Api;
use livematch_crd::{ConditionStatus, LiveMatch, Phase, condition_type, reason};
use livematch_e2e::http::get_json;
use livematch_e2e::kubelet::PodView;
use livematch_e2e::stack::cricsheet;
use livematch_e2e::system::System;
use livematch_e2e::topic;
use livematch_e2e::viewer::{Viewer, check_contiguous};
use livematch_e2e::wait::eventually;
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};
use livematch_workers::bus::{EventBus, topic_for};

const OPERATOR_NS: &str = "livematch-system";
const NS: &str = "default";
const NAME: &str = "kkr-rcb";
const MATCH_ID: &str = "default.kkr-rcb";
/// The match's Redis keys.
const KEYS: &str = "*kkr-rcb*";
/// A real match: KKR 222/3 beat RCB 82 all out (IPL 2008, the first match).
const RECORDING: &str = "335982.json";
/// Anything the cluster does asynchronously (pod start, reconcile).
const WAIT: Duration = Duration::from_secs(60);
/// A whole replayed match through every component.
const LONG: Duration = Duration::from_secs(120);

fn operator_deployment(kafka: &str, redis: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: livematch-operator, namespace: {OPERATOR_NS}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: livematch-operator}}}}
  template:
    metadata: {{labels: {{app: livematch-operator}}}}
    spec:
      serviceAccountName: livematch-operator
      containers:
        - name: operator
          image: livematch:test
          command: [livematch-operator]
          env:
            - {{name: LIVEMATCH_KAFKA, value: "{kafka}"}}
            - {{name: LIVEMATCH_REDIS, value: "{redis}"}}
            - {{name: LIVEMATCH_METRICS_LISTEN, value: "0.0.0.0:9090"}}
            - {{name: LIVEMATCH_REQUEUE_LIVE, value: "1s"}}
            - {{name: LIVEMATCH_LOBBY_REFRESH, value: "1s"}}
            - {{name: LIVEMATCH_CLEANUP_ATTEMPTS, value: "3"}}
            - name: POD_NAME
              valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
            - name: POD_NAMESPACE
              valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}
          ports: [{{name: metrics, containerPort: 9090}}]
          readinessProbe: {{httpGet: {{path: /readyz, port: metrics}}, periodSeconds: 1}}
          livenessProbe: {{httpGet: {{path: /healthz, port: metrics}}, periodSeconds: 5}}
"#
    )
}

fn manifest(name: &str, config_map: &str, replicas: u32) -> String {
    format!(
        r#"
apiVersion: livematch.dev/v1alpha1
kind: LiveMatch
metadata: {{name: {name}, namespace: {NS}}}
spec:
  sport: cricket
  source: {{replay: {{configMap: {{name: {config_map}, key: match.json}}}}}}
  speed: 0
  consumers: {{replicas: {replicas}}}
  workers:
    env:
      # Tansu: a short session timeout makes the first group join quick.
      - {{name: LIVEMATCH_KAFKA_SESSION_TIMEOUT, value: 6s}}
      - {{name: LIVEMATCH_KAFKA_FETCH_WAIT, value: 20ms}}
      - {{name: RUST_LOG, value: info}}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_brings_a_real_match_to_viewers() -> anyhow::Result<()> {
    let mut system = System::start(&livematch_crd::crd_yaml()?).await?;
    let gateway = system.stack.start_gateway().await?;
    let result = lifecycle(&system, &gateway).await;
    system.shutdown(result.is_err()).await;
    result
}

async fn pods(w: &System, prefix: &str, want: usize) -> anyhow::Result<Vec<PodView>> {
    w.ready_pods(NS, prefix, want, WAIT).await
}

async fn live_match(w: &System, name: &str) -> anyhow::Result<LiveMatch> {
    let api: Api<LiveMatch> = Api::namespaced(w.cluster.client().await, NS);
    Ok(api.get(name).await?)
}

async fn lifecycle(w: &System, gateway: &str) -> anyhow::Result<()> {
    // 1. The operator, as its Deployment with its own RBAC.
    w.cluster.apply_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../operator/deploy/rbac.yaml")).await?;
    w.cluster.apply_yaml(&operator_deployment(&w.stack.broker.brokers(), &w.stack.redis.url())).await?;
    w.ready_pods(OPERATOR_NS, "livematch-operator-", 1, WAIT).await?;

    // 2. A viewer waits for the match before it exists.
    let mut viewer = Viewer::connect(gateway).await?;
    viewer.subscribe(MATCH_ID, None).await?;
    let recording = cricsheet(RECORDING);
    let from_file = format!("--from-file=match.json={}", recording.display());
    w.cluster.kubectl_ok(&["create", "configmap", "ipl-2008-opener", &from_file]).await?;
    w.cluster.apply_yaml(&manifest(NAME, "ipl-2008-opener", 1)).await?;

    // 3. Producer and consumer run; the viewer sees the whole match.
    pods(w, &format!("{NAME}-producer-"), 1).await?;
    pods(w, &format!("{NAME}-consumer-"), 1).await?;
    let finished = |v: &Viewer| {
        v.matches.get(MATCH_ID).and_then(|m| m.snapshot.as_ref()).is_some_and(|s| s["status"] == "completed")
    };
    viewer.until(LONG, finished).await.with_context(|| w.kubelet.all_logs())?;
    let events = topic::events(&w.stack.broker.brokers(), MATCH_ID).await?;
    let expected = topic::fold(MATCH_ID, &events)?;
    let seen = &viewer.matches[MATCH_ID];
    check_contiguous(&seen.received, 1, expected.seq)?;
    assert_eq!(seen.snapshot.as_ref(), Some(&expected.snapshot()), "the viewer's state is the fold of the topic");
    let rest = get_json(gateway, &format!("/api/matches/{MATCH_ID}")).await?;
    assert_eq!((rest["innings"][0]["runs"].clone(), rest["innings"][1]["runs"].clone()), (222.into(), 82.into()));

    let lm = eventually("LiveMatch Completed", WAIT, async || {
        let lm = live_match(w, NAME).await?;
        Ok(lm.status.as_ref().is_some_and(|s| s.phase == Some(Phase::Completed)).then_some(lm))
    })
    .await?;
    let status = lm.status.context("status")?;
    assert_eq!(status.summary.as_deref(), Some(expected.summary().as_str()));
    let table = w.cluster.kubectl_ok(&["get", "lm", NAME]).await?;
    assert!(table.contains("Completed") && table.contains(&expected.summary()), "kubectl get lm:\n{table}");
    // A completed match needs no producer: its pod is stopped.
    w.no_pods(NS, &format!("{NAME}-producer-"), WAIT).await?;

    // 4. Scale to three consumers; one is killed and comes back.
    w.cluster.kubectl_ok(&["scale", "lm", NAME, "--replicas=3"]).await?;
    let consumers = pods(w, &format!("{NAME}-consumer-"), 3).await?;
    let deployments: Api<Deployment> = Api::namespaced(w.cluster.client().await, NS);
    eventually("consumer Deployment 3/3 ready", WAIT, async || {
        let d = deployments.get(&format!("{NAME}-consumer")).await?;
        Ok((d.status.and_then(|s| s.ready_replicas) == Some(3)).then_some(()))
    })
    .await?;
    let victim = &consumers[0];
    let pid = victim.containers[0].pid;
    w.kubelet.kill(NS, &victim.name)?;
    eventually("the killed consumer restarted and ready", WAIT, async || {
        let pods = w.kubelet.pods_named(NS, &victim.name);
        Ok(pods.first().filter(|p| p.ready() && p.containers[0].restarts == 1 && p.containers[0].pid != pid).cloned())
    })
    .await?;
    let lm = eventually("status 3/3 consumers", WAIT, async || {
        let lm = live_match(w, NAME).await?;
        Ok(lm.status.as_ref().is_some_and(|s| s.ready.as_deref() == Some("3/3")).then_some(lm))
    })
    .await?;
    assert_eq!(lm.status.and_then(|s| s.phase), Some(Phase::Completed));
    // The restarted consumer rebuilt nothing wrong: the snapshot is unchanged.
    let after = get_json(gateway, &format!("/api/matches/{MATCH_ID}")).await?;
    assert_eq!(after, expected.snapshot());

    // 5. Delete: workers stop, topic and keys go.
    let keys = w.redis_key_count(KEYS).await?;
    assert!(keys >= 3, "state, snapshot and log exist before the delete: {keys} keys");
    w.cluster.kubectl_ok(&["delete", "lm", NAME, "--wait=true", "--timeout=60s"]).await?;
    w.no_pods(NS, &format!("{NAME}-"), WAIT).await?;
    assert_eq!(w.redis_key_count(KEYS).await?, 0, "Redis keys left after delete");
    let admin = KafkaBus::new(KafkaConfig::new(w.stack.broker.brokers()))?;
    let left = admin.read_all(&topic_for(MATCH_ID), Duration::from_millis(500)).await;
    if let Ok(records) = &left
        && !records.is_empty()
    {
        bail!("topic {} still holds {} records after delete", topic_for(MATCH_ID), records.len());
    }

    // A match whose recording is missing: the LiveMatch says what is wrong.
    w.cluster.apply_yaml(&manifest("no-recording", "does-not-exist", 1)).await?;
    let lm = eventually("a condition naming the missing ConfigMap", WAIT, async || {
        let lm = live_match(w, "no-recording").await?;
        let says = lm.status.as_ref().is_some_and(|s| {
            s.conditions.iter().any(|c| {
                c.type_ == condition_type::DEGRADED
                    && c.status == ConditionStatus::True
                    && c.reason == reason::SOURCE_UNAVAILABLE
                    && c.message.contains("ConfigMap default/does-not-exist")
            })
        });
        Ok(says.then_some(lm))
    })
    .await?;
    // Its producer was never created, and an Event tells the admin.
    assert_eq!(lm.status.as_ref().and_then(|s| s.phase), Some(Phase::Pending));
    let deployments: Api<Deployment> = Api::namespaced(w.cluster.client().await, NS);
    assert!(deployments.get_opt("no-recording-producer").await?.is_none(), "no producer without its recording");
    let described = w.cluster.kubectl_ok(&["describe", "lm", "no-recording"]).await?;
    assert!(described.contains("SourceUnavailable"), "kubectl describe shows the Event:\n{described}");
    Ok(())
}
