//! The LiveMatch status: computed purely ([`compute`]), turned into Events
//! ([`transitions`]), and written only when it changed ([`patch_if_changed`]).

pub mod compute;
pub mod transitions;

use kube::api::{Api, Patch, PatchParams};
use kube::{Resource, ResourceExt};
use livematch_crd::{LiveMatch, LiveMatchStatus};

use crate::config::FIELD_MANAGER;

pub use compute::{ChildState, Observation, TopicState, compute};

/// Now as an RFC 3339 timestamp with whole seconds (the Kubernetes style
/// of `lastTransitionTime`).
#[must_use]
pub fn now() -> String {
    k8s_openapi::jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The body of the status apply: only the status, under the operator's
/// field manager, so fields it stops setting are removed.
#[must_use]
pub fn apply_body(status: &LiveMatchStatus) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": LiveMatch::api_version(&()),
        "kind": LiveMatch::kind(&()),
        "status": status,
    })
}

/// Write `new` to the status subresource of `lm` unless it equals the
/// stored status. Returns whether a write happened.
///
/// # Errors
/// The API server refused the patch.
pub async fn patch_if_changed(
    api: &Api<LiveMatch>,
    lm: &LiveMatch,
    new: &LiveMatchStatus,
) -> Result<bool, kube::Error> {
    let unchanged = lm.status.as_ref().map_or(*new == LiveMatchStatus::default(), |old| old == new);
    if unchanged {
        return Ok(false);
    }
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch_status(&lm.name_any(), &params, &Patch::Apply(apply_body(new))).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_second_precision_utc() {
        let t = now();
        assert_eq!(t.len(), "2025-01-01T00:00:00Z".len(), "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }

    #[test]
    fn apply_body_names_the_kind() {
        let body = apply_body(&LiveMatchStatus { summary: Some("x".into()), ..LiveMatchStatus::default() });
        assert_eq!(body["apiVersion"], "livematch.dev/v1alpha1");
        assert_eq!(body["kind"], "LiveMatch");
        assert_eq!(body["status"]["summary"], "x");
        assert!(body.get("spec").is_none(), "only the status is applied");
    }
}
