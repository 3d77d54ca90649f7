//! Football: events, laws (state machine), snapshot for the match view,
//! commentary and a seeded simulator.

pub mod event;
mod fold;
mod rules;
mod sheet;
pub mod sim;
mod sport;
mod state;
mod text;
mod view;

pub use event::*;
pub use rules::{RuleError, event_kind};
pub use state::State;
pub use text::code;
