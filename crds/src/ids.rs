//! The match id of a LiveMatch: the one name the workers, Kafka, Redis and
//! the browsers know the match by.
//!
//! It is `<namespace>.<name>` (e.g. `default.ind-pak`): unique across the
//! cluster (Kafka and Redis are shared by every namespace), and
//! unambiguous (a namespace has no `.`). From it derive the Kafka topic
//! (`livematch.<match id>`, see `livematch_workers::bus::topic_for`), the
//! consumer group, the Redis keys, and the browser's `/match/<match id>`.
//!
//! Namespaces and names only hold `a-z 0-9 - .`, all allowed in a match id
//! (`valid_match_id` of the gateway: at most 128 bytes of letters, digits
//! and `-_.:`). A longer id is cut to fit and ends in `-` and 8 hex digits
//! of a hash of the whole id, so two long names stay apart.

use kube::ResourceExt;

use crate::spec::LiveMatch;

/// Longest match id, in bytes (the gateway's limit).
pub const MAX_MATCH_ID_LEN: usize = 128;

/// The match id of a LiveMatch: `<namespace>.<name>`, see the module docs.
/// An object without a namespace (not yet created) uses `default`.
#[must_use]
pub fn match_id(lm: &LiveMatch) -> String {
    let namespace = lm.namespace().unwrap_or_else(|| "default".to_owned());
    match_id_for(&namespace, &lm.name_any())
}

/// The match id of the LiveMatch `name` in `namespace`.
#[must_use]
pub fn match_id_for(namespace: &str, name: &str) -> String {
    let full: String = format!("{namespace}.{name}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':') { c } else { '_' })
        .collect();
    if full.len() <= MAX_MATCH_ID_LEN {
        return full;
    }
    let hash = format!("-{:08x}", fnv1a32(full.as_bytes()));
    // `full` is ASCII after the mapping above, so any byte index is a char boundary.
    let keep = MAX_MATCH_ID_LEN - hash.len();
    format!("{}{hash}", &full[..keep])
}

/// 32-bit FNV-1a: stable across builds and platforms (unlike `DefaultHasher`).
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{MatchSource, SimulateSource};
    use crate::spec::{LiveMatchSpec, Sport};

    fn spec() -> LiveMatchSpec {
        serde_json::from_value(serde_json::json!({"sport": "cricket", "source": {"simulate": {}}})).expect("spec")
    }

    #[test]
    fn namespace_dot_name() {
        let mut lm = LiveMatch::new("ind-pak", spec());
        assert_eq!(match_id(&lm), "default.ind-pak");
        lm.metadata.namespace = Some("cricket".into());
        assert_eq!(match_id(&lm), "cricket.ind-pak");
        assert!(matches!(lm.spec.source, MatchSource::Simulate(SimulateSource { seed: 1 })));
        assert_eq!(lm.spec.sport, Sport::Cricket);
    }

    #[test]
    fn long_ids_are_cut_with_a_hash() {
        let name_a = format!("{}-a", "x".repeat(200));
        let name_b = format!("{}-b", "x".repeat(200));
        let a = match_id_for("ns", &name_a);
        let b = match_id_for("ns", &name_b);
        assert_eq!(a.len(), MAX_MATCH_ID_LEN);
        assert_eq!(b.len(), MAX_MATCH_ID_LEN);
        assert_ne!(a, b, "same prefix, different names");
        assert!(a.starts_with("ns.xxxx"));
        assert_eq!(a, match_id_for("ns", &name_a), "stable");
        let suffix = &a[a.len() - 9..];
        assert!(suffix.starts_with('-') && suffix[1..].chars().all(|c| c.is_ascii_hexdigit()), "{suffix}");
    }

    #[test]
    fn exactly_max_len_is_kept_whole() {
        let name = "n".repeat(MAX_MATCH_ID_LEN - "ns.".len());
        assert_eq!(match_id_for("ns", &name), format!("ns.{name}"));
    }

    #[test]
    fn only_gateway_safe_characters() {
        let id = match_id_for("ns", "we/ird name");
        assert_eq!(id, "ns.we_ird_name");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)));
    }

    #[test]
    fn fnv_matches_reference_values() {
        // Published FNV-1a 32-bit test vectors.
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    }
}
