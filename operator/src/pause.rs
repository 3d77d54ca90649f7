//! Pausing a match: `spec.paused: true` or the annotation
//! `livematch.dev/paused: "true"` (for tools that cannot edit the spec).
//!
//! A paused match is reconciled only to hold it paused: producer and
//! consumers scaled to zero, phase `Paused`, condition `Paused=True`; no
//! topic calls and no periodic summary refresh. Unpausing scales the
//! workers back; the producer reads its topic on start and carries on
//! from the last event it published, so the match resumes where it was.

use kube::ResourceExt;
use livematch_crd::LiveMatch;

use crate::labels::PAUSED_ANNOTATION;

/// Whether `lm` is paused by its spec or its annotation.
#[must_use]
pub fn is_paused(lm: &LiveMatch) -> bool {
    lm.spec.paused || lm.annotations().get(PAUSED_ANNOTATION).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{live_match, spec};

    #[test]
    fn spec_or_annotation_pauses() {
        let mut lm = live_match("m", spec());
        assert!(!is_paused(&lm));
        lm.spec.paused = true;
        assert!(is_paused(&lm));
        lm.spec.paused = false;
        lm.annotations_mut().insert(PAUSED_ANNOTATION.into(), "True".into());
        assert!(is_paused(&lm));
        lm.annotations_mut().insert(PAUSED_ANNOTATION.into(), "false".into());
        assert!(!is_paused(&lm));
        lm.annotations_mut().insert(PAUSED_ANNOTATION.into(), "yes".into());
        assert!(!is_paused(&lm), "only \"true\" pauses");
    }
}
