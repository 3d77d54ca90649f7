//! Building blocks for the targeted deltas of football, basketball and
//! tennis (cricket has its own, tuned, in `cricket::delta`).
//!
//! A snapshot of these sports has three kinds of parts:
//! * a small **header** (score, clock, stats, status, summary …): captured
//!   as JSON before the event and diffed key by key after it, which yields
//!   fine-grained ops (`replace /score/0`);
//! * **rows** of fixed tables (players): an event records, through
//!   [`Touched::row`], the JSON of each row it is about to change; after
//!   the event each recorded row is diffed against its new JSON;
//! * append-only **logs** (commentary, timeline …): entries past the old
//!   length are added with `add …/-`.
//!
//! The first event of a match (`match_start`) replaces every top-level key
//! instead ([`Touched::all`]): the static keys (teams, line-ups) change only
//! then.

use serde_json::{Map, Value};

use crate::patch::{PatchOp, diff, escape_token};

/// What one event changed that the header comparison does not see.
#[derive(Debug)]
pub(crate) struct Touched<K> {
    /// Every top-level key may have changed (`match_start`).
    pub all: bool,
    /// Rows about to change, with their JSON before the change.
    rows: Vec<(K, Value)>,
}

impl<K> Default for Touched<K> {
    fn default() -> Self {
        Touched { all: false, rows: Vec::new() }
    }
}

impl<K: PartialEq + Copy> Touched<K> {
    /// Record row `key` before its first change (later calls are no-ops).
    pub fn row(&mut self, key: K, before: impl FnOnce() -> Value) {
        if !self.rows.iter().any(|(k, _)| *k == key) {
            self.rows.push((key, before()));
        }
    }

    /// The recorded rows with their old JSON.
    pub fn rows(&self) -> impl Iterator<Item = (K, &Value)> {
        self.rows.iter().map(|(k, v)| (*k, v))
    }
}

/// Append `diff(old, new)` to `ops`, every path prefixed with `prefix`.
pub(crate) fn diff_under(ops: &mut Vec<PatchOp>, prefix: &str, old: &Value, new: &Value) {
    for op in diff(old, new) {
        ops.push(match op {
            PatchOp::Add { path, value } => PatchOp::Add { path: format!("{prefix}{path}"), value },
            PatchOp::Replace { path, value } => PatchOp::Replace { path: format!("{prefix}{path}"), value },
            PatchOp::Remove { path } => PatchOp::Remove { path: format!("{prefix}{path}") },
        });
    }
}

/// Ops turning header `old` into header `new`: per key, a fine-grained diff.
pub(crate) fn header_ops(ops: &mut Vec<PatchOp>, old: &Map<String, Value>, new: &Map<String, Value>) {
    for (k, v) in new {
        let path = format!("/{}", escape_token(k));
        match old.get(k) {
            Some(o) => diff_under(ops, &path, o, v),
            None => ops.push(PatchOp::add(path, v.clone())),
        }
    }
}

/// `replace /k` for every top-level key of `snapshot` (`match_start`).
pub(crate) fn replace_all(ops: &mut Vec<PatchOp>, snapshot: Value) {
    if let Value::Object(map) = snapshot {
        for (k, v) in map {
            ops.push(PatchOp::replace(format!("/{}", escape_token(&k)), v));
        }
    }
}

/// `add <path>/-` for every entry of `log` from `old_len` on.
pub(crate) fn appended<T>(ops: &mut Vec<PatchOp>, path: &str, old_len: usize, log: &[T], f: impl Fn(&T) -> Value) {
    for entry in log.iter().skip(old_len) {
        ops.push(PatchOp::add(format!("{path}/-"), f(entry)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::apply_patch;
    use serde_json::json;

    #[test]
    fn header_rows_and_logs_patch_exactly() {
        let before = json!({"score": [1, 0], "clock": {"minute": 3}, "rows": [{"g": 0}, {"g": 1}], "log": [1]});
        let after = json!({"score": [2, 0], "clock": {"minute": 4}, "rows": [{"g": 0}, {"g": 2}], "log": [1, 2, 3]});
        let mut ops = Vec::new();
        let (Value::Object(hb), Value::Object(ha)) =
            (json!({"score": [1, 0], "clock": {"minute": 3}}), json!({"score": [2, 0], "clock": {"minute": 4}}))
        else {
            unreachable!()
        };
        header_ops(&mut ops, &hb, &ha);
        let mut t: Touched<usize> = Touched::default();
        t.row(1, || json!({"g": 1}));
        t.row(1, || json!({"g": 99}));
        for (k, old) in t.rows() {
            diff_under(&mut ops, &format!("/rows/{k}"), old, &after["rows"][k]);
        }
        appended(&mut ops, "/log", 1, &[1, 2, 3], |x| json!(x));
        assert_eq!(ops.len(), 5, "{ops:?}");
        let mut doc = before;
        apply_patch(&mut doc, &ops).expect("applies");
        assert_eq!(doc, after);
    }

    #[test]
    fn replace_all_replaces_each_key() {
        let mut ops = Vec::new();
        replace_all(&mut ops, json!({"a": 1, "b/c": [2]}));
        let mut doc = json!({"a": null, "b/c": []});
        apply_patch(&mut doc, &ops).expect("applies");
        assert_eq!(doc, json!({"a": 1, "b/c": [2]}));
        assert!(ops.iter().all(|op| matches!(op, PatchOp::Replace { .. })));
    }
}
