//! Cricket: events, laws (state machine), scorecard snapshot, simulator and
//! Cricsheet replay.

pub mod cadence;
mod commentary;
pub mod cricsheet;
mod current;
mod delta;
mod dismissal;
pub mod event;
mod event_de;
mod event_json;
mod json;
mod rules;
mod scorecard;
pub mod sim;
mod sport;
mod state;
mod text;
mod view;

pub use commentary::chip;
pub use dismissal::dismissal_text;
pub use event::*;
pub use rules::{RuleError, event_kind};
pub use scorecard::{BatState, BatterRow, BowlerRow, Fow, Innings, OverSummary, Partnership};
pub use state::{RECENT_BALLS, State};
pub use text::{abbreviation, overs_text};
pub use view::result_text;
