//! Names and labels of the objects the operator makes for a LiveMatch.
//!
//! Every child carries
//! * `app.kubernetes.io/name=livematch`
//! * `app.kubernetes.io/component=producer|consumer`
//! * `app.kubernetes.io/instance=<LiveMatch name>`
//! * `app.kubernetes.io/managed-by=livematch-operator`
//! * `livematch.dev/match=<match id>`
//!
//! Label values are at most 63 characters of `[A-Za-z0-9._-]`, starting and
//! ending alphanumeric; a LiveMatch name (up to 253) or match id (up to 128)
//! that does not fit is cut and given a hash suffix ([`label_value`]), so
//! two long names stay apart. Child names get the same treatment
//! ([`child_name`]).

use std::collections::BTreeMap;

/// `app.kubernetes.io/name`
pub const NAME: &str = "app.kubernetes.io/name";
/// `app.kubernetes.io/component`
pub const COMPONENT: &str = "app.kubernetes.io/component";
/// `app.kubernetes.io/instance`
pub const INSTANCE: &str = "app.kubernetes.io/instance";
/// `app.kubernetes.io/managed-by`
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// `livematch.dev/match`
pub const MATCH: &str = "livematch.dev/match";

/// Value of [`NAME`].
pub const APP: &str = "livematch";
/// Value of [`MANAGED_BY`].
pub const MANAGER: &str = "livematch-operator";

/// Annotation that pauses a LiveMatch like `spec.paused` (value `"true"`).
pub const PAUSED_ANNOTATION: &str = "livematch.dev/paused";

/// Longest label value.
const MAX_LABEL_VALUE: usize = 63;
/// Longest child object name (a DNS label, so pod host names derived from
/// it stay valid).
const MAX_CHILD_NAME: usize = 63;

/// The two worker Deployments of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Plays the match into its topic (one replica).
    Producer,
    /// Folds the topic into Redis (`spec.consumers.replicas`).
    Consumer,
}

impl Component {
    /// Both components, in apply order.
    pub const ALL: [Component; 2] = [Component::Producer, Component::Consumer];

    /// `producer` or `consumer`: the label value, name suffix and subcommand.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Producer => "producer",
            Component::Consumer => "consumer",
        }
    }
}

/// `value` as a valid label value: unchanged when it already is one, else
/// invalid characters replaced by `-`, trimmed to alphanumeric ends and, if
/// still too long or changed, cut with an 8-hex-digit hash of the original.
#[must_use]
pub fn label_value(value: &str) -> String {
    if is_label_value(value) {
        return value.to_owned();
    }
    squeeze(value, MAX_LABEL_VALUE)
}

/// Name of a child Deployment: `<LiveMatch name>-<component>`, cut with a
/// hash suffix when longer than 63 characters.
#[must_use]
pub fn child_name(lm_name: &str, component: Component) -> String {
    let full = format!("{lm_name}-{}", component.as_str());
    if full.len() <= MAX_CHILD_NAME {
        return full;
    }
    // Keep the component suffix readable: cut the LiveMatch name instead.
    let suffix = format!("-{:08x}-{}", fnv1a32(lm_name.as_bytes()), component.as_str());
    let keep = MAX_CHILD_NAME - suffix.len();
    let head: String = lm_name.chars().take(keep).collect();
    format!("{}{suffix}", head.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
}

/// Labels on a child (Deployment and pod template).
#[must_use]
pub fn child_labels(lm_name: &str, match_id: &str, component: Component) -> BTreeMap<String, String> {
    let mut labels = selector_labels(lm_name, component);
    labels.insert(MANAGED_BY.to_owned(), MANAGER.to_owned());
    labels.insert(MATCH.to_owned(), label_value(match_id));
    labels
}

/// The immutable Deployment selector of a child: name, instance, component.
#[must_use]
pub fn selector_labels(lm_name: &str, component: Component) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME.to_owned(), APP.to_owned()),
        (INSTANCE.to_owned(), label_value(lm_name)),
        (COMPONENT.to_owned(), component.as_str().to_owned()),
    ])
}

/// The label selector of every child of one match (for listing and pruning).
#[must_use]
pub fn match_selector(match_id: &str) -> String {
    format!("{MANAGED_BY}={MANAGER},{MATCH}={}", label_value(match_id))
}

/// The label selector of every child the operator manages (its watch).
#[must_use]
pub fn managed_selector() -> String {
    format!("{MANAGED_BY}={MANAGER}")
}

/// A label map as a selector string `k=v,k=v` (sorted by key).
#[must_use]
pub fn to_selector(labels: &BTreeMap<String, String>) -> String {
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

fn is_label_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.is_empty()
        || (bytes.len() <= MAX_LABEL_VALUE
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric))
}

fn squeeze(value: &str, max: usize) -> String {
    let hash = format!("{:08x}", fnv1a32(value.as_bytes()));
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .collect();
    let keep = max - hash.len() - 1;
    let head: String = cleaned.chars().take(keep).collect();
    let head = head.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if head.is_empty() { hash } else { format!("{head}-{hash}") }
}

/// 32-bit FNV-1a: stable across builds and platforms.
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_kept() {
        assert_eq!(label_value("default.ind-pak"), "default.ind-pak");
        assert_eq!(label_value(""), "");
        assert_eq!(child_name("ind-pak", Component::Consumer), "ind-pak-consumer");
    }

    #[test]
    fn long_values_are_cut_apart_and_valid() {
        let a = label_value(&format!("ns.{}a", "x".repeat(120)));
        let b = label_value(&format!("ns.{}b", "x".repeat(120)));
        assert_ne!(a, b);
        for v in [&a, &b] {
            assert!(v.len() <= MAX_LABEL_VALUE, "{v}");
            assert!(is_label_value(v), "{v}");
        }
        assert_eq!(a, label_value(&format!("ns.{}a", "x".repeat(120))), "stable");
    }

    #[test]
    fn invalid_characters_are_replaced() {
        let v = label_value("ns.we:ird");
        assert!(is_label_value(&v), "{v}");
        assert!(v.starts_with("ns.we-ird-"), "{v}");
    }

    #[test]
    fn long_child_names_keep_the_component() {
        let name = "m".repeat(200);
        for component in Component::ALL {
            let child = child_name(&name, component);
            assert!(child.len() <= MAX_CHILD_NAME, "{child}");
            assert!(child.ends_with(component.as_str()), "{child}");
        }
        assert_ne!(
            child_name(&format!("{name}1"), Component::Producer),
            child_name(&format!("{name}2"), Component::Producer)
        );
    }

    #[test]
    fn labels_and_selectors() {
        let labels = child_labels("ind-pak", "default.ind-pak", Component::Producer);
        assert_eq!(labels[NAME], "livematch");
        assert_eq!(labels[COMPONENT], "producer");
        assert_eq!(labels[INSTANCE], "ind-pak");
        assert_eq!(labels[MANAGED_BY], "livematch-operator");
        assert_eq!(labels[MATCH], "default.ind-pak");
        let selector = selector_labels("ind-pak", Component::Consumer);
        assert_eq!(
            to_selector(&selector),
            "app.kubernetes.io/component=consumer,app.kubernetes.io/instance=ind-pak,app.kubernetes.io/name=livematch"
        );
        assert!(selector.iter().all(|(k, v)| child_labels("ind-pak", "x", Component::Consumer)[k] == *v));
        assert_eq!(match_selector("a.b"), "app.kubernetes.io/managed-by=livematch-operator,livematch.dev/match=a.b");
    }
}
