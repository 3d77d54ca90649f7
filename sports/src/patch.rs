//! The JSON Patch (RFC 6902) subset used for deltas: `add`, `replace`,
//! `remove`. Paths are JSON Pointers (RFC 6901); `-` appends to an array.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One JSON Patch operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOp {
    Add { path: String, value: Value },
    Replace { path: String, value: Value },
    Remove { path: String },
}

impl PatchOp {
    pub fn add(path: impl Into<String>, value: impl Into<Value>) -> Self {
        PatchOp::Add { path: path.into(), value: value.into() }
    }

    pub fn replace(path: impl Into<String>, value: impl Into<Value>) -> Self {
        PatchOp::Replace { path: path.into(), value: value.into() }
    }

    pub fn remove(path: impl Into<String>) -> Self {
        PatchOp::Remove { path: path.into() }
    }
}

/// Why a patch could not be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PatchError {
    #[error("patch path {0:?} does not exist in the document")]
    NoSuchPath(String),
    #[error("patch path {0:?} is not a valid JSON pointer")]
    BadPath(String),
}

impl PatchError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            PatchError::NoSuchPath(_) => "no_such_path",
            PatchError::BadPath(_) => "bad_path",
        }
    }
}

/// Split a JSON Pointer into unescaped reference tokens (`~1` is `/`, `~0` is `~`).
fn tokens(path: &str) -> Result<Vec<String>, PatchError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(PatchError::BadPath(path.to_string()));
    };
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

/// Escape one object key as a JSON Pointer reference token.
#[must_use]
pub fn escape_token(key: &str) -> String {
    if key.contains(['~', '/']) { key.replace('~', "~0").replace('/', "~1") } else { key.to_string() }
}

/// Follow `toks` from `doc`, returning the container the last token refers into.
fn parent_mut<'a>(doc: &'a mut Value, toks: &[String], path: &str) -> Result<&'a mut Value, PatchError> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Object(map) => map.get_mut(t.as_str()),
            Value::Array(arr) => t.parse::<usize>().ok().and_then(move |i| arr.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| PatchError::NoSuchPath(path.to_string()))?;
    }
    Ok(cur)
}

fn array_index(tok: &str, len: usize, path: &str, allow_end: bool) -> Result<usize, PatchError> {
    if allow_end && tok == "-" {
        return Ok(len);
    }
    let i: usize = tok.parse().map_err(|_| PatchError::BadPath(path.to_string()))?;
    let max = if allow_end { len } else { len.saturating_sub(1) };
    if i > max || (!allow_end && len == 0) {
        return Err(PatchError::NoSuchPath(path.to_string()));
    }
    Ok(i)
}

/// Apply `ops` to `doc` in order (RFC 6902 semantics for `add`, `replace`
/// and `remove`; `-` appends to an array).
///
/// Not atomic: when an op fails, the ops before it stay applied.
///
/// # Errors
/// A path that is not a JSON Pointer, or that does not exist in `doc`.
pub fn apply_patch(doc: &mut Value, ops: &[PatchOp]) -> Result<(), PatchError> {
    for op in ops {
        apply_one(doc, op)?;
    }
    Ok(())
}

fn apply_one(doc: &mut Value, op: &PatchOp) -> Result<(), PatchError> {
    let path = match op {
        PatchOp::Add { path, .. } | PatchOp::Replace { path, .. } | PatchOp::Remove { path } => path.as_str(),
    };
    let toks = tokens(path)?;
    let Some((last, parents)) = toks.split_last() else {
        // The empty pointer is the whole document.
        return match op {
            PatchOp::Add { value, .. } | PatchOp::Replace { value, .. } => {
                *doc = value.clone();
                Ok(())
            }
            PatchOp::Remove { .. } => Err(PatchError::BadPath(path.to_string())),
        };
    };
    let parent = parent_mut(doc, parents, path)?;
    match (op, parent) {
        (PatchOp::Add { value, .. }, Value::Object(map)) => {
            map.insert(last.clone(), value.clone());
        }
        (PatchOp::Add { value, .. }, Value::Array(arr)) => {
            let i = array_index(last, arr.len(), path, true)?;
            arr.insert(i, value.clone());
        }
        (PatchOp::Replace { value, .. }, Value::Object(map)) => {
            let slot = map.get_mut(last.as_str()).ok_or_else(|| PatchError::NoSuchPath(path.to_string()))?;
            *slot = value.clone();
        }
        (PatchOp::Replace { value, .. }, Value::Array(arr)) => {
            let i = array_index(last, arr.len(), path, false)?;
            arr[i] = value.clone();
        }
        (PatchOp::Remove { .. }, Value::Object(map)) => {
            map.remove(last.as_str()).ok_or_else(|| PatchError::NoSuchPath(path.to_string()))?;
        }
        (PatchOp::Remove { .. }, Value::Array(arr)) => {
            let i = array_index(last, arr.len(), path, false)?;
            arr.remove(i);
        }
        _ => return Err(PatchError::NoSuchPath(path.to_string())),
    }
    Ok(())
}

/// A generic (slow) diff: the ops that turn `old` into `new`. Objects are
/// compared key by key, arrays index by index (growth appended with `-`,
/// shrinking removed from the end), anything else replaced whole.
///
/// Used as a test oracle for the cheap, event-driven patches the sports
/// state machines emit.
#[must_use]
pub fn diff(old: &Value, new: &Value) -> Vec<PatchOp> {
    let mut ops = Vec::new();
    diff_at(&mut String::new(), old, new, &mut ops);
    ops
}

fn diff_at(path: &mut String, old: &Value, new: &Value, ops: &mut Vec<PatchOp>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let len = path.len();
            for (k, va) in a {
                path.push('/');
                path.push_str(&escape_token(k));
                match b.get(k) {
                    Some(vb) => diff_at(path, va, vb, ops),
                    None => ops.push(PatchOp::remove(path.clone())),
                }
                path.truncate(len);
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    ops.push(PatchOp::add(format!("{path}/{}", escape_token(k)), vb.clone()));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let len = path.len();
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                path.push('/');
                path.push_str(&i.to_string());
                diff_at(path, va, vb, ops);
                path.truncate(len);
            }
            for vb in b.iter().skip(a.len()) {
                ops.push(PatchOp::add(format!("{path}/-"), vb.clone()));
            }
            for i in (b.len()..a.len()).rev() {
                ops.push(PatchOp::remove(format!("{path}/{i}")));
            }
        }
        _ => ops.push(PatchOp::replace(path.clone(), new.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn add_replace_remove_follow_rfc6902() {
        let mut doc = json!({"a": [1, 2], "b": {"c": 1}});
        let ops = vec![
            PatchOp::add("/a/-", 3),
            PatchOp::add("/a/0", 0),
            PatchOp::replace("/b/c", 2),
            PatchOp::add("/b/d", "x"),
            PatchOp::remove("/a/1"),
        ];
        apply_patch(&mut doc, &ops).expect("valid patch");
        assert_eq!(doc, json!({"a": [0, 2, 3], "b": {"c": 2, "d": "x"}}));
    }

    #[test]
    fn missing_paths_and_bad_pointers_are_errors() {
        let mut doc = json!({"a": [1]});
        assert_eq!(apply_patch(&mut doc, &[PatchOp::replace("/x", 1)]), Err(PatchError::NoSuchPath("/x".into())));
        assert_eq!(apply_patch(&mut doc, &[PatchOp::replace("/a/1", 1)]), Err(PatchError::NoSuchPath("/a/1".into())));
        assert_eq!(apply_patch(&mut doc, &[PatchOp::add("/a/2", 1)]), Err(PatchError::NoSuchPath("/a/2".into())));
        assert_eq!(apply_patch(&mut doc, &[PatchOp::add("a", 1)]), Err(PatchError::BadPath("a".into())));
        assert_eq!(apply_patch(&mut doc, &[PatchOp::replace("/a/x", 1)]), Err(PatchError::BadPath("/a/x".into())));
        assert_eq!(doc, json!({"a": [1]}));
    }

    #[test]
    fn escaped_keys_round_trip() {
        let mut doc = json!({"a/b": 1, "m~n": 2});
        apply_patch(&mut doc, &[PatchOp::replace("/a~1b", 3), PatchOp::replace("/m~0n", 4)]).expect("valid");
        assert_eq!(doc, json!({"a/b": 3, "m~n": 4}));
    }

    #[test]
    fn diff_then_apply_yields_the_new_document() {
        let cases = [
            (
                json!({"a": 1, "b": [1, 2, 3], "c": {"d": null}}),
                json!({"a": 2, "b": [1, 5], "e": true, "c": {"d": [1]}}),
            ),
            (json!([1, 2]), json!([1, 2, {"x": 1}, 4])),
            (json!({"k/~": 1}), json!({"k/~": 2})),
            (json!(1), json!("s")),
        ];
        for (old, new) in cases {
            let ops = diff(&old, &new);
            let mut doc = old.clone();
            apply_patch(&mut doc, &ops).expect("diff produces a valid patch");
            assert_eq!(doc, new, "ops: {ops:?}");
        }
        assert!(diff(&json!({"a": [1]}), &json!({"a": [1]})).is_empty());
    }
}
