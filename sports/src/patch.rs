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
