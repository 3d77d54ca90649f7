//! A JSON Patch as the text viewers receive, and a writer that builds it
//! op by op straight into one buffer.
//!
//! The consumer embeds each event's patch verbatim in the event frame, so
//! the engine hands it over as JSON text ([`Patch`]) rather than as
//! [`PatchOp`] values: an op's value is written once, where it is built
//! ([`WriteJson`]), instead of being built as a `serde_json::Value` tree,
//! serialized later and then dropped. The text is byte for byte what
//! `serde_json` writes for the same `[PatchOp]` (see [`crate::json_text`]).

use serde::{Deserialize, Serialize};

use crate::json_text::{WriteJson, push_escaped, push_u64};
use crate::patch::PatchOp;

/// The JSON text of a patch: an array of `add` / `replace` / `remove` ops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    json: String,
    len: usize,
}

impl Default for Patch {
    fn default() -> Self {
        Patch { json: "[]".to_owned(), len: 0 }
    }
}

impl Patch {
    /// The patch of `ops`, written as `serde_json` serializes them.
    #[must_use]
    pub fn from_ops(ops: &[PatchOp]) -> Patch {
        let mut w = PatchWriter::with_capacity(128 * ops.len());
        for op in ops {
            w.op(op);
        }
        w.finish()
    }

    /// The JSON text (`[{"op":"replace","path":"/seq","value":3},...]`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.json
    }

    /// Number of ops.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ops, parsed back (tests, clients).
    #[must_use]
    pub fn ops(&self) -> Vec<PatchOp> {
        // Written only by `PatchWriter`, so always a valid op array.
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// Append `replace <path>` with `value` (the engine's `/seq`, `/updated`).
    pub fn push_replace<T: WriteJson + ?Sized>(&mut self, path: &str, value: &T) {
        let mut w = PatchWriter::reopen(std::mem::take(self));
        w.replace(path, value);
        *self = w.finish();
    }
}

impl Serialize for Patch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Through the ops: any serializer, not only serde_json.
        self.ops().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Patch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<PatchOp>::deserialize(deserializer).map(|ops| Patch::from_ops(&ops))
    }
}

/// A JSON Pointer written into a patch: a `&str` (escaped as a JSON
/// string), or a tuple of pieces (`("/innings/", i, "/batting/", k)`:
/// text and numbers) written one after the other, so no path string is
/// formatted or allocated per op.
pub trait PatchPath {
    fn write_path(&self, out: &mut String);
}

/// One piece of a [`PatchPath`] tuple. Text pieces are the snapshot's
/// keys, written verbatim: they must need no JSON escaping (no `"`, `\`
/// or control character; checked in debug builds).
pub trait PathPiece {
    fn write_piece(&self, out: &mut String);
}

impl PathPiece for &str {
    fn write_piece(&self, out: &mut String) {
        debug_assert!(!self.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'), "path piece {self:?} needs escaping");
        out.push_str(self);
    }
}

impl PathPiece for usize {
    fn write_piece(&self, out: &mut String) {
        push_u64(out, *self as u64);
    }
}

impl PathPiece for u32 {
    fn write_piece(&self, out: &mut String) {
        push_u64(out, u64::from(*self));
    }
}

impl PatchPath for str {
    fn write_path(&self, out: &mut String) {
        push_escaped(out, self);
    }
}

impl PatchPath for String {
    fn write_path(&self, out: &mut String) {
        push_escaped(out, self);
    }
}

impl<T: PatchPath + ?Sized> PatchPath for &T {
    fn write_path(&self, out: &mut String) {
        (**self).write_path(out);
    }
}

macro_rules! path_tuple {
    ($($p:ident),+) => {
        impl<$($p: PathPiece),+> PatchPath for ($($p,)+) {
            #[allow(non_snake_case)]
            fn write_path(&self, out: &mut String) {
                let ($($p,)+) = self;
                $( $p.write_piece(out); )+
            }
        }
    };
}

path_tuple!(A, B);
path_tuple!(A, B, C);
path_tuple!(A, B, C, D);
path_tuple!(A, B, C, D, E);
path_tuple!(A, B, C, D, E, F);

#[derive(Clone, Copy)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Builds a [`Patch`] op by op, each value written in place.
#[derive(Debug)]
pub struct PatchWriter {
    out: String,
    len: usize,
}

impl PatchWriter {
    /// A writer whose buffer starts with room for `bytes`.
    #[must_use]
    pub fn with_capacity(bytes: usize) -> Self {
        let mut out = String::with_capacity(bytes.max(16));
        out.push('[');
        PatchWriter { out, len: 0 }
    }

    /// Continue a finished patch.
    fn reopen(patch: Patch) -> Self {
        let mut out = patch.json;
        out.pop(); // the closing `]`
        PatchWriter { out, len: patch.len }
    }

    /// Ops written so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn begin(&mut self, op: Op, path: &(impl PatchPath + ?Sized)) {
        if self.len > 0 {
            self.out.push(',');
        }
        self.len += 1;
        self.out.push_str(match op {
            Op::Add => r#"{"op":"add","path":""#,
            Op::Replace => r#"{"op":"replace","path":""#,
            Op::Remove => r#"{"op":"remove","path":""#,
        });
        path.write_path(&mut self.out);
        self.out.push('"');
    }

    /// `add <path>` with `value`.
    pub fn add<T: WriteJson + ?Sized>(&mut self, path: impl PatchPath, value: &T) {
        self.begin(Op::Add, &path);
        self.value(value);
    }

    /// `replace <path>` with `value`.
    pub fn replace<T: WriteJson + ?Sized>(&mut self, path: impl PatchPath, value: &T) {
        self.begin(Op::Replace, &path);
        self.value(value);
    }

    /// `replace <path>` with a value `write` writes as JSON text.
    pub fn replace_with(&mut self, path: impl PatchPath, write: impl FnOnce(&mut String)) {
        self.begin(Op::Replace, &path);
        self.out.push_str(r#","value":"#);
        write(&mut self.out);
        self.out.push('}');
    }

    /// `replace <path>` with `json`, JSON text as `serde_json` writes it.
    pub fn replace_json(&mut self, path: impl PatchPath, json: &str) {
        self.begin(Op::Replace, &path);
        self.out.push_str(r#","value":"#);
        self.out.push_str(json);
        self.out.push('}');
    }

    /// `remove <path>`.
    pub fn remove(&mut self, path: impl PatchPath) {
        self.begin(Op::Remove, &path);
        self.out.push('}');
    }

    /// One [`PatchOp`].
    pub fn op(&mut self, op: &PatchOp) {
        match op {
            PatchOp::Add { path, value } => self.add(path.as_str(), value),
            PatchOp::Replace { path, value } => self.replace(path.as_str(), value),
            PatchOp::Remove { path } => self.remove(path.as_str()),
        }
    }

    fn value<T: WriteJson + ?Sized>(&mut self, value: &T) {
        self.out.push_str(r#","value":"#);
        value.write_json(&mut self.out);
        self.out.push('}');
    }

    /// The patch written.
    #[must_use]
    pub fn finish(mut self) -> Patch {
        self.out.push(']');
        Patch { json: self.out, len: self.len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn written_ops_are_serde_json_byte_for_byte() {
        let tricky = "a\"b\\c\n\u{1}é/~ \u{1F3CF}";
        let ops = vec![
            PatchOp::replace("", json!({"z": 1, "a": [1.5, null, true], "m": {"y": "x", "b": tricky}})),
            PatchOp::add("/a~1b/-", json!(-3)),
            PatchOp::remove(format!("/k/{tricky}")),
            PatchOp::replace("/seq", 7),
        ];
        let expected = serde_json::to_string(&ops).unwrap_or_default();
        let patch = Patch::from_ops(&ops);
        assert_eq!(patch.as_str(), expected);
        assert_eq!(patch.len(), 4);
        assert_eq!(patch.ops(), ops);
        assert_eq!(Patch::from_ops(&[]).as_str(), "[]");
        assert_eq!(Patch::default(), Patch::from_ops(&[]));

        let mut w = PatchWriter::with_capacity(0);
        let i = 3usize;
        w.replace(("/innings/", i, "/", "runs"), &json!({"b": 1, "a": 2}));
        w.replace("/innings/3/run\"s", &1u32);
        w.remove(("/n/", 1_234_567_890u32));
        w.replace_json("/x/0", r#"{"a":1}"#);
        w.add("/y/-", "text");
        let mut patch = w.finish();
        patch.push_replace("/seq", &9u64);
        let ops = vec![
            PatchOp::replace("/innings/3/runs", json!({"a": 2, "b": 1})),
            PatchOp::replace("/innings/3/run\"s", 1),
            PatchOp::remove("/n/1234567890"),
            PatchOp::replace("/x/0", json!({"a": 1})),
            PatchOp::add("/y/-", "text"),
            PatchOp::replace("/seq", 9),
        ];
        assert_eq!(patch.as_str(), serde_json::to_string(&ops).unwrap_or_default());
        assert_eq!(patch.len(), 6);
        let mut empty = Patch::default();
        empty.push_replace("/seq", &1u64);
        assert_eq!(empty.as_str(), r#"[{"op":"replace","path":"/seq","value":1}]"#);
    }

    #[test]
    fn serde_round_trips_through_ops() {
        let patch = Patch::from_ops(&[PatchOp::replace("/a", json!([1, {"b": 2}])), PatchOp::remove("/c")]);
        let text = serde_json::to_string(&patch).unwrap_or_default();
        assert_eq!(text, patch.as_str());
        let back: Patch = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, patch);
    }
}
