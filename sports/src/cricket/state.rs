//! PLACEHOLDER: the cricket state machine (being written).

use serde::{Deserialize, Serialize};

use super::event::Event;
use crate::engine::Status;
use crate::patch::PatchOp;

/// Why an event breaks the laws (or the state the engine is in).
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {}

impl State {
    /// Apply one event; returns the patch from the old snapshot to the new one.
    ///
    /// # Errors
    /// The event breaks the rules; the state is unchanged.
    pub fn apply(&mut self, _ev: &Event, _seq: u64, _ts: i64) -> Result<Vec<PatchOp>, RuleError> {
        Err(RuleError::Invalid("not implemented".into()))
    }
    #[must_use]
    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    #[must_use]
    pub fn summary(&self) -> String {
        String::new()
    }
    #[must_use]
    pub fn status(&self) -> Status {
        Status::Scheduled
    }
    #[must_use]
    pub fn teams(&self) -> Vec<String> {
        Vec::new()
    }
    #[must_use]
    pub fn result_text(&self) -> Option<String> {
        None
    }
}
