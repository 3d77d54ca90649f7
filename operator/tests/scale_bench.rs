//! Benchmark: create 1,000 LiveMatches on the local kube-apiserver 1.20 and
//! time how long until every one is `Ready`, with the operator's resident
//! memory. Targets (from the issue): all Ready within 60 s, RSS at most
//! 100 MB.
//!
//! ```text
//! cargo test -p livematch-operator --release --test scale_bench -- --ignored --nocapture
//! LIVEMATCH_BENCH_MATCHES=200 cargo test ...   # fewer matches
//! ```
//!
//! The operator runs as its own process (the `livematch-operator` binary,
//! leader election on) against real Kafka (Tansu) and Redis. Workers are
//! not run (the control plane has no nodes): the benchmark plays the
//! kubelet, marking each child Deployment's replicas ready as soon as the
//! operator creates or scales it, so `Ready` measures the operator's own
//! work: finalizer, topic, two server-side applies, status.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use livematch_crd::{LiveMatch, condition_type};
use livematch_e2e::broker::Broker;
use livematch_e2e::cluster::Cluster;
use livematch_e2e::process::free_port;
use livematch_e2e::redis::RedisServer;
use livematch_e2e::stack::wait_http_ok;
use serde_json::json;

const NS: &str = "bench";
/// Most requests the benchmark itself has in flight.
const CLIENT_CONCURRENCY: usize = 32;
/// Give up waiting for Ready after this long.
const LIMIT: Duration = Duration::from_secs(240);
/// The issue's targets.
const TARGET_READY: Duration = Duration::from_secs(60);
const TARGET_RSS_MB: f64 = 100.0;

fn proc_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

#[allow(clippy::cast_precision_loss)]
fn mb(kib: Option<u64>) -> f64 {
    kib.map_or(f64::NAN, |k| k as f64 / 1024.0)
}

/// Play the deployment controller and kubelet: every wanted replica ready.
async fn fake_kubelet(client: kube::Client) -> anyhow::Result<()> {
    let api: Api<Deployment> = Api::namespaced(client, NS);
    let config = watcher::Config::default().labels("app.kubernetes.io/managed-by=livematch-operator");
    watcher(api.clone(), config)
        .default_backoff()
        .applied_objects()
        .map_err(anyhow::Error::from)
        .try_for_each_concurrent(CLIENT_CONCURRENCY, |d| {
            let api = api.clone();
            async move {
                let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
                let ready = d.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0);
                if want == ready {
                    return Ok(());
                }
                let name = d.metadata.name.clone().unwrap_or_default();
                let status = json!({"status": {"observedGeneration": d.metadata.generation, "replicas": want,
                    "readyReplicas": want, "availableReplicas": want, "updatedReplicas": want}});
                // A conflict or a vanished object is retried by the next event.
                let _ = api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&status)).await;
                Ok(())
            }
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: 1,000 LiveMatches on a local control plane; run with --ignored --nocapture"]
async fn thousand_live_matches_become_ready() -> anyhow::Result<()> {
    let count: usize = std::env::var("LIVEMATCH_BENCH_MATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let cluster = Cluster::start().await?;
    let broker = Broker::start().await?;
    let redis = RedisServer::start().await?;
    cluster.install_crds(&livematch_crd::crd_yaml()?).await?;
    cluster.kubectl_ok(&["create", "namespace", NS]).await?;
    let client = cluster.client().await;

    let ops = format!("127.0.0.1:{}", free_port()?);
    let log = tempfile::NamedTempFile::new()?;
    let mut operator = tokio::process::Command::new(env!("CARGO_BIN_EXE_livematch-operator"))
        .env("KUBECONFIG", cluster.kubeconfig_path())
        .env("RUST_LOG", "warn")
        .args(["--kafka", &broker.brokers(), "--redis", &redis.url(), "--metrics-listen", &ops])
        .args(["--namespace", NS, "--identity", "bench"])
        .stdin(Stdio::null())
        .stdout(log.reopen()?)
        .stderr(log.reopen()?)
        .kill_on_drop(true)
        .spawn()
        .context("start livematch-operator")?;
    let pid = operator.id().context("operator pid")?;
    wait_http_ok(&ops, "/readyz", Duration::from_secs(30)).await?;
    let kubelet = tokio::spawn(fake_kubelet(client.clone()));
    let rss_idle = proc_kib(pid, "VmRSS:");

    let matches: Api<LiveMatch> = Api::namespaced(client.clone(), NS);
    let started = Instant::now();
    futures::stream::iter(0..count)
        .map(|i| {
            let matches = matches.clone();
            async move {
                let spec = json!({"sport": "cricket", "source": {"simulate": {"seed": i}}, "speed": 60});
                let lm = LiveMatch::new(&format!("m-{i:04}"), serde_json::from_value(spec)?);
                matches.create(&PostParams::default(), &lm).await.with_context(|| format!("create m-{i:04}"))?;
                Ok::<(), anyhow::Error>(())
            }
        })
        .buffer_unordered(CLIENT_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    let created = started.elapsed();

    let mut ready = 0;
    let mut peak_rss = 0;
    while ready < count {
        if started.elapsed() > LIMIT {
            bail!(
                "only {ready}/{count} Ready after {LIMIT:?}; operator log:\n{}",
                std::fs::read_to_string(log.path())?
            );
        }
        if let Some(status) = operator.try_wait()? {
            bail!("the operator exited ({status}):\n{}", std::fs::read_to_string(log.path())?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        peak_rss = peak_rss.max(proc_kib(pid, "VmRSS:").unwrap_or(0));
        let list = matches.list(&ListParams::default()).await?;
        ready =
            list.items.iter().filter(|lm| lm.status.as_ref().is_some_and(|s| s.is_true(condition_type::READY))).count();
    }
    let all_ready = started.elapsed();

    // A minute of steady state: periodic requeues of every match, no work.
    let cpu_before = livematch_workers::bench::rss::cpu_time(pid);
    let steady = Duration::from_secs(20);
    tokio::time::sleep(steady).await;
    let cpu_after = livematch_workers::bench::rss::cpu_time(pid);
    let steady_cpu = livematch_workers::bench::rss::cpu_percent(cpu_before, cpu_after, steady);
    let rss_end = proc_kib(pid, "VmRSS:");
    let hwm = proc_kib(pid, "VmHWM:");
    kubelet.abort();
    let _ = tokio::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
    let exited = tokio::time::timeout(Duration::from_secs(15), operator.wait()).await;

    println!("\n{}", livematch_workers::bench::rss::machine_line());
    println!("| LiveMatches | created in | all Ready in | RSS idle | RSS peak (VmHWM) | RSS after | steady CPU |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {count} | {:.1} s | {:.1} s | {:.1} MB | {:.1} MB | {:.1} MB | {} |",
        created.as_secs_f64(),
        all_ready.as_secs_f64(),
        mb(rss_idle),
        mb(hwm),
        mb(rss_end),
        steady_cpu.map_or_else(|| "n/a".to_owned(), |p| format!("{p:.0}% of a core")),
    );
    println!("(targets: all Ready within {TARGET_READY:?}, RSS at most {TARGET_RSS_MB} MB)");
    if !matches!(exited, Ok(Ok(s)) if s.success()) {
        bail!("the operator did not stop cleanly on SIGTERM: {exited:?}");
    }
    if all_ready > TARGET_READY {
        bail!("{count} LiveMatches took {all_ready:?} to be Ready (target {TARGET_READY:?})");
    }
    if mb(hwm) > TARGET_RSS_MB {
        bail!("operator peak RSS {:.1} MB (target {TARGET_RSS_MB} MB)", mb(hwm));
    }
    Ok(())
}
