//! The reconciler: one LiveMatch in, the world brought in line with it.
//!
//! Pipeline of [`apply`]: validate → check the replay source → ensure the topic → build the desired
//! Deployments (pure, [`crate::build`]) → server-side apply them and prune
//! the unwanted → compute the status (pure, [`crate::status::compute`]) →
//! write it only if it changed → publish the Events its transitions call
//! for → requeue by phase.
//!
//! [`cleanup`] runs when the LiveMatch is deleted (the finalizer): stop the
//! workers, delete the topic and the Redis keys, with bounded retries.
//!
//! [`error_policy`]: an invalid spec waits for a change; anything else is
//! retried with exponential backoff per object.

use std::sync::Arc;
use std::time::Instant;

use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::controller::Action;
use kube::runtime::finalizer::{Event as FinalizerEvent, finalizer};
use livematch_crd::{Condition, LiveMatch, LiveMatchSpec, LiveMatchStatus, Phase, condition_type, describe, match_id};
use livematch_workers::bus::{TopicSpec, topic_for};

use crate::apply;
use crate::backoff;
use crate::build::{self, Replicas};
use crate::config::FINALIZER;
use crate::context::Context;
use crate::error::Error;
use crate::events::{Notice, Reason};
use crate::pause::is_paused;
use crate::status::{self, ChildState, Observation, TopicState, transitions};

/// How long a reconcile waits for the Deployment cache's first full list
/// (right after the operator starts) before going on without it.
const CACHE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reason of the Degraded condition set when cleanup gave up.
pub const CLEANUP_FAILED: &str = "CleanupFailed";

/// `namespace/name` of an object, the key of the per-object counters.
#[must_use]
pub fn key(lm: &LiveMatch) -> String {
    format!("{}/{}", lm.namespace().unwrap_or_default(), lm.name_any())
}

/// The topic settings of a spec (an invalid retention falls back to the
/// broker default; validation refuses it before this is used).
#[must_use]
pub fn topic_spec(spec: &LiveMatchSpec) -> TopicSpec {
    TopicSpec {
        partitions: spec.kafka.partitions,
        replication: spec.kafka.replication_factor,
        retention_ms: spec.kafka.retention_ms().ok().flatten(),
    }
}

/// Reconcile one LiveMatch (the controller's reconcile function).
///
/// # Errors
/// See [`Error`]; [`error_policy`] decides what happens next.
pub async fn reconcile(lm: Arc<LiveMatch>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let key = key(&lm);
    // Without the first list of children every reconcile after a restart
    // would apply them all again.
    if tokio::time::timeout(CACHE_WAIT, ctx.deployments.wait_until_ready()).await.is_err() {
        tracing::warn!(object = key, "the Deployment cache is not filled yet; reconciling without it");
    }
    let namespace = lm.namespace().unwrap_or_default();
    let api: Api<LiveMatch> = Api::namespaced(ctx.client.clone(), &namespace);
    let result = finalizer(&api, FINALIZER, lm, |event| async {
        match event {
            FinalizerEvent::Apply(lm) => apply(&lm, &ctx).await,
            FinalizerEvent::Cleanup(lm) => cleanup(&lm, &ctx).await,
        }
    })
    .await
    .map_err(Error::from_finalizer);
    // Released by an earlier cleanup whose deletion this reconcile had not seen yet.
    let result = match result {
        Err(Error::Gone) => Ok(Action::await_change()),
        other => other,
    };
    let kind = result.as_ref().err().map(Error::metric_label);
    ctx.metrics.reconciled(started.elapsed(), kind);
    match &result {
        Ok(action) => {
            ctx.retries.reset(&key);
            tracing::debug!(object = key, ?action, "reconciled");
        }
        Err(error) if error.is_invalid() => tracing::info!(object = key, %error, "invalid LiveMatch"),
        Err(error) => tracing::warn!(object = key, %error, kind = error.metric_label(), "reconcile failed"),
    }
    result
}

/// What the controller does after a failed reconcile.
#[must_use]
pub fn error_policy(lm: Arc<LiveMatch>, error: &Error, ctx: Arc<Context>) -> Action {
    if error.is_invalid() {
        return Action::await_change();
    }
    let failures = ctx.retries.bump(&key(&lm));
    Action::requeue(backoff::delay(failures, ctx.settings.retry_base, ctx.settings.retry_max))
}

/// The children as they are in the cache (for a reconcile that does not apply).
fn cached_children(ctx: &Context, lm: &LiveMatch) -> (Option<ChildState>, Option<ChildState>) {
    let namespace = lm.namespace().unwrap_or_default();
    let names = apply::child_names(lm);
    let state = |name: &String| apply::cached(&ctx.deployments, &namespace, name).map(|d| apply::child_state(&d));
    (names.first().and_then(state), names.get(1).and_then(state))
}

/// Compute, write and announce the new status; returns it.
async fn finish(ctx: &Context, lm: &LiveMatch, obs: &Observation<'_>) -> Result<LiveMatchStatus, Error> {
    let previous = lm.status.clone().unwrap_or_default();
    let new = status::compute(&previous, obs, &status::now());
    let api: Api<LiveMatch> = Api::namespaced(ctx.client.clone(), &lm.namespace().unwrap_or_default());
    status::patch_if_changed(&api, lm, &new)
        .await
        .map_err(|e| Error::kube(format!("patch status of LiveMatch {}", key(lm)), e))?;
    for notice in transitions::notices(&previous, &new) {
        ctx.events.publish(lm, notice).await;
    }
    ctx.metrics.set_phase(&key(lm), new.phase);
    Ok(new)
}

/// Bring the match's topic and workers in line with its spec.
///
/// # Errors
/// [`Error::InvalidSpec`] after recording it; API, topic or build errors.
pub async fn apply(lm: &LiveMatch, ctx: &Context) -> Result<Action, Error> {
    let key = key(lm);
    let id = match_id(lm);
    let topic = topic_for(&id);
    let paused = is_paused(lm);
    let lobby = ctx.lobby.get(&id);
    let previous = lm.status.clone().unwrap_or_default();
    let mut obs = Observation {
        generation: lm.metadata.generation,
        invalid: None,
        source: None,
        paused,
        topic: TopicState::Skipped,
        desired: Replicas::desired(&lm.spec, paused, false),
        producer: None,
        consumer: None,
        lobby: lobby.as_ref(),
        spec_teams: lm.spec.teams.as_ref().map(livematch_crd::Teams::display),
        selector: build::consumer_selector(lm),
        topic_failures_to_fail: ctx.settings.topic_failures_to_fail,
    };

    // 1. Validate: an invalid spec is recorded and waits for a change; the
    //    children (if any) are left as they are.
    if let Err(problems) = lm.spec.validate() {
        let problems = describe(&problems);
        (obs.producer, obs.consumer) = cached_children(ctx, lm);
        obs.desired = Replicas { producer: 0, consumer: previous.replicas };
        obs.invalid = Some(problems.clone());
        finish(ctx, lm, &obs).await?;
        return Err(Error::InvalidSpec { name: key, problems });
    }

    // 2. The recording a replay needs (not once the producer is done).
    if !paused
        && !obs.completed(&previous)
        && let Some(problem) = crate::source::check(&ctx.client, &lm.namespace().unwrap_or_default(), &lm.spec).await?
    {
        (obs.producer, obs.consumer) = cached_children(ctx, lm);
        obs.source = Some(problem.clone());
        finish(ctx, lm, &obs).await?;
        return Err(Error::SourceUnavailable { name: key, problem });
    }

    // 3. The topic (not while paused: nothing plays).
    if !paused {
        match ctx.ensured.ensure(ctx.topics.as_ref(), &topic, topic_spec(&lm.spec)).await {
            Ok(_) => {
                ctx.topic_failures.reset(&key);
                obs.topic = TopicState::Ready(topic.clone());
            }
            Err(error) => {
                let failures = ctx.topic_failures.bump(&key);
                ctx.events.publish(lm, Notice::new(Reason::TopicFailed, format!("attempt {failures}: {error}"))).await;
                (obs.producer, obs.consumer) = cached_children(ctx, lm);
                obs.topic = TopicState::Failed { message: error.to_string(), failures };
                finish(ctx, lm, &obs).await?;
                return Err(error.into());
            }
        }
    }

    // 4. Build and apply the children; prune the unwanted.
    obs.desired = Replicas::desired(&lm.spec, paused, obs.completed(&previous));
    let desired = build::deployments(lm, &ctx.defaults, obs.desired)?;
    let applied = apply::apply_children(&ctx.client, &ctx.deployments, &desired).await?;
    let keep: Vec<String> = desired.iter().map(ResourceExt::name_any).collect();
    let uid = lm.uid().unwrap_or_default();
    let namespace = lm.namespace().unwrap_or_default();
    let unwanted = apply::unwanted(&ctx.deployments, &namespace, &id, &uid, &keep);
    apply::delete_children(&ctx.client, &namespace, &unwanted).await?;
    obs.producer = applied.first().map(apply::child_state);
    obs.consumer = applied.get(1).map(apply::child_state);

    // 5. Status, Events, requeue.
    let new = finish(ctx, lm, &obs).await?;
    Ok(match new.phase {
        Some(Phase::Completed | Phase::Paused) => Action::requeue(ctx.settings.requeue_idle),
        _ => Action::requeue(ctx.settings.requeue_live),
    })
}

/// Clean up after a deleted LiveMatch: stop its workers, delete its topic
/// and its Redis keys. A failure is retried (with backoff, through
/// [`error_policy`]) up to `cleanup_attempts` times; then the operator
/// records `CleanupFailed` and releases the object anyway, so a deletion
/// never hangs on a Kafka or Redis that is gone.
///
/// # Errors
/// The cleanup failed and attempts remain.
pub async fn cleanup(lm: &LiveMatch, ctx: &Context) -> Result<Action, Error> {
    let key = key(lm);
    let uid = lm.uid().unwrap_or_default();
    if ctx.was_cleaned(&uid) {
        // Cleaned and released already; this is a stale copy of the object.
        return Ok(Action::await_change());
    }
    let id = match_id(lm);
    let topic = topic_for(&id);
    let namespace = lm.namespace().unwrap_or_default();
    let result = async {
        // Workers first, so nothing writes the topic or the keys afterwards.
        apply::delete_children(&ctx.client, &namespace, &apply::child_names(lm)).await?;
        ctx.topics.delete(&topic).await?;
        ctx.cache.delete_match(&id).await?;
        Ok::<(), Error>(())
    }
    .await;
    match result {
        Ok(()) => {
            ctx.ensured.forget(&topic);
            for counters in [&ctx.cleanup_failures, &ctx.topic_failures, &ctx.retries] {
                counters.reset(&key);
            }
            ctx.metrics.set_phase(&key, None);
            ctx.mark_cleaned(&uid);
            let note = format!("deleted Kafka topic {topic} and the Redis keys of match {id}");
            ctx.events.publish(lm, Notice::new(Reason::Cleaned, note)).await;
            Ok(Action::await_change())
        }
        Err(error) => {
            let attempts = ctx.cleanup_failures.bump(&key);
            if attempts < ctx.settings.cleanup_attempts {
                tracing::warn!(object = key, attempts, %error, "cleanup failed; will retry");
                return Err(error);
            }
            let note = format!(
                "gave up after {attempts} attempts, releasing the LiveMatch: {error}. \
                 Delete Kafka topic {topic} and the Redis keys of match {id} by hand"
            );
            tracing::error!(object = key, %note, "cleanup failed for good");
            record_cleanup_failure(ctx, lm, &note).await;
            ctx.events.publish(lm, Notice::new(Reason::CleanupFailed, note)).await;
            for counters in [&ctx.cleanup_failures, &ctx.topic_failures, &ctx.retries] {
                counters.reset(&key);
            }
            ctx.ensured.forget(&topic);
            ctx.metrics.set_phase(&key, None);
            ctx.mark_cleaned(&uid);
            Ok(Action::await_change())
        }
    }
}

/// Best effort: a Degraded condition saying cleanup gave up, on the object
/// about to disappear (seen by anyone watching it go).
async fn record_cleanup_failure(ctx: &Context, lm: &LiveMatch, note: &str) {
    let mut status = lm.status.clone().unwrap_or_default();
    status.set_condition(
        Condition::new(condition_type::DEGRADED, true, CLEANUP_FAILED, note, &status::now())
            .observed(lm.metadata.generation),
    );
    let api: Api<LiveMatch> = Api::namespaced(ctx.client.clone(), &lm.namespace().unwrap_or_default());
    if let Err(error) = status::patch_if_changed(&api, lm, &status).await {
        tracing::warn!(object = key(lm), %error, "could not record the cleanup failure in the status");
    }
}

#[cfg(test)]
mod tests;
