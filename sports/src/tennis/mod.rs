//! Tennis: events, scoring (points, games, sets, tiebreaks, serve), the
//! scoreboard snapshot with point-by-point and set statistics, and a seeded
//! simulator.

pub mod event;
mod fold;
mod rules;
mod score;
pub mod sim;
mod sport;
mod state;
mod view;

pub use event::*;
pub use rules::{RuleError, event_kind};
pub use state::State;
