//! Running the controller for one leadership term: two watches (LiveMatch,
//! and the Deployments the operator manages) feeding reflector stores with
//! `managedFields` stripped (less memory with a thousand matches), the
//! `kube_runtime::Controller` on LiveMatch owning the Deployments, and the
//! reconciler of [`crate::reconcile`].

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::{self, Controller};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use livematch_crd::LiveMatch;
use tokio_util::sync::CancellationToken;

use crate::config::WorkerDefaults;
use crate::context::{Backends, Context, Settings};
use crate::labels;
use crate::reconcile::{error_policy, reconcile};

/// What one controller run needs.
#[derive(Clone)]
pub struct ControllerConfig {
    /// Namespace to watch, `None` for all.
    pub namespace: Option<String>,
    /// Worker image and connections.
    pub defaults: WorkerDefaults,
    /// Reconciler timings and bounds.
    pub settings: Settings,
    /// Most reconciles at once (0: unbounded).
    pub concurrency: u16,
}

fn api<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Run the controller until `stop` is cancelled (then in-flight
/// reconciles finish: a graceful stop). Dropping the future instead stops
/// at once, aborting in-flight reconciles (leadership lost).
pub async fn run(client: kube::Client, config: ControllerConfig, backends: Backends, stop: CancellationToken) {
    let namespace = config.namespace.as_deref();
    let (deployments, deployment_writer) = reflector::store::<Deployment>();
    let children = watcher(
        api::<Deployment>(&client, namespace),
        watcher::Config::default().labels(&labels::managed_selector()).any_semantic(),
    )
    .default_backoff()
    .modify(|d| d.managed_fields_mut().clear())
    .reflect(deployment_writer)
    .touched_objects();

    let (matches, match_writer) = reflector::store::<LiveMatch>();
    let live_matches = watcher(api::<LiveMatch>(&client, namespace), watcher::Config::default().any_semantic())
        .default_backoff()
        .modify(|lm| lm.managed_fields_mut().clear())
        .reflect(match_writer)
        .applied_objects();

    let ctx = Arc::new(Context::new(client, config.defaults, config.settings, backends, deployments));
    tracing::info!(namespace = namespace.unwrap_or("<all>"), "controller starting");
    Controller::for_stream(live_matches, matches)
        .owns_stream(children)
        .with_config(controller::Config::default().concurrency(config.concurrency))
        .graceful_shutdown_on(stop.cancelled_owned())
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok(_) => {}
                Err(controller::Error::ObjectNotFound(object)) => {
                    tracing::debug!(%object, "object gone before its reconcile")
                }
                // The reconciler already logged its own failures.
                Err(controller::Error::ReconcilerFailed(..)) => {}
                Err(error) => tracing::warn!(%error, "controller error"),
            }
        })
        .await;
    tracing::info!("controller stopped");
}
