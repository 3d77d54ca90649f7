//! Helpers shared by the football, basketball and tennis tests: apply an
//! event and check its patch against the snapshots.

#![allow(dead_code)]

use livematch_sports::Rules;
use livematch_sports::patch::{PatchOp, apply_patch, diff};
use serde_json::Value;

pub fn path_of(op: &PatchOp) -> &str {
    match op {
        PatchOp::Add { path, .. } | PatchOp::Replace { path, .. } | PatchOp::Remove { path } => path,
    }
}

/// Apply `ev` as event `seq`; on success check that the patch turns the old
/// snapshot into the new one (and the generic diff oracle agrees), that it
/// leaves the engine-owned keys alone and is no whole-document replace. A
/// rejected event must leave the state untouched.
pub fn checked<R: Rules>(state: &mut R, ev: &R::Event, seq: u64) -> Result<Vec<PatchOp>, R::Error> {
    let before = state.snapshot();
    let copy = state.clone();
    let ops = match state.apply(ev, seq, i64::try_from(seq).unwrap_or(0) * 1000) {
        Ok(patch) => {
            let ops = patch.ops();
            assert_eq!(patch.as_str(), serde_json::to_string(&ops).expect("json"), "patch text is not serde_json's");
            ops
        }
        Err(e) => {
            assert_eq!(*state, copy, "a rejected event changed the state: {ev:?}");
            return Err(e);
        }
    };
    let after = state.snapshot();
    let mut patched = before.clone();
    apply_patch(&mut patched, &ops).unwrap_or_else(|e| panic!("seq {seq}: {e}: {ops:#?}"));
    assert_eq!(patched, after, "seq {seq}: patch differs from the new snapshot for {ev:?}\n{ops:#?}");
    let oracle = diff(&before, &after);
    let mut via_oracle = before;
    apply_patch(&mut via_oracle, &oracle).expect("oracle patch applies");
    assert_eq!(via_oracle, patched, "seq {seq}: the diff oracle disagrees");
    for op in &ops {
        let p = path_of(op);
        assert!(!p.is_empty(), "seq {seq}: whole-document replace");
        for key in ["/id", "/sport", "/seq", "/updated"] {
            assert!(p != key && !p.starts_with(&format!("{key}/")), "seq {seq}: engine-owned key {key} touched");
        }
    }
    assert_eq!(after["commentary"].as_array().map(Vec::len), Some(seq as usize), "one commentary line per event");
    Ok(ops)
}

/// Fold a whole match with [`checked`]; panics on a rejected event.
pub fn fold_all<R: Rules>(events: &[R::Event]) -> (R, usize) {
    let mut state = R::default();
    let mut ops = 0;
    for (i, ev) in events.iter().enumerate() {
        ops += checked(&mut state, ev, i as u64 + 1).unwrap_or_else(|e| panic!("event {} {ev:?}: {e}", i + 1)).len();
    }
    (state, ops)
}

pub fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

pub fn pair(v: &Value) -> [u64; 2] {
    [num(&v[0]), num(&v[1])]
}
