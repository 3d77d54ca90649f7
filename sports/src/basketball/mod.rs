//! Basketball: events, rules (state machine), box score snapshot, play-by-play
//! and a seeded simulator.

pub mod event;
mod fold;
mod rules;
pub mod sim;
mod sport;
mod state;
mod text;
mod view;
mod whistle;

pub use event::*;
pub use rules::{RuleError, event_kind};
pub use state::State;
