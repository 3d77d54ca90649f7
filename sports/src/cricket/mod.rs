//! Cricket: events, laws (state machine), scorecard snapshot, simulator and
//! Cricsheet replay.

mod commentary;
mod current;
mod delta;
mod dismissal;
pub mod cadence;
pub mod cricsheet;
pub mod event;
pub mod sim;
mod rules;
mod scorecard;
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
