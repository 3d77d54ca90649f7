//! Cricket: events, laws (state machine), scorecard snapshot, simulator and
//! Cricsheet replay.

pub mod event;
mod state;

pub use event::*;
pub use state::{RuleError, State};
