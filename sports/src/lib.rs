//! Pure match logic for livematch: no I/O anywhere in this crate.
//!
//! * [`envelope`]: the sport-neutral envelope every event travels in
//!   (match id, sequence number, timestamp, schema version).
//! * [`patch`]: the JSON Patch subset used for deltas sent to viewers.
//! * [`patch_json`]: a patch as the JSON text viewers receive ([`Patch`]),
//!   written op by op ([`json_text`]) without building `serde_json::Value`
//!   trees.
//! * [`engine`]: the sport-neutral match state that folds envelopes.
//! * [`sport`]: the sport-neutral interface ([`Rules`]) each sport implements.
//! * [`cricket`]: the laws of cricket, scorecards, simulator and Cricsheet replay.
//! * [`football`], [`basketball`], [`tennis`]: their laws, views and simulators.
//! * [`sim`]: one entry point to simulate a match of any sport ([`Format`]).

pub mod basketball;
pub mod cricket;
mod delta;
pub mod engine;
pub mod envelope;
mod envelope_de;
pub mod football;
mod format;
pub mod json_text;
pub mod patch;
pub mod patch_json;
pub mod sim;
pub mod sport;
pub mod tennis;

pub use engine::{Applied, ApplyError, MatchState, Status};
pub use envelope::{Envelope, EnvelopeError, Event, SCHEMA_VERSION, Sport, UnknownSport};
pub use format::{Format, UnknownFormat};
pub use patch::PatchOp;
pub use patch_json::{Patch, PatchWriter};
pub use sport::{RuleViolation, Rules, SnapshotMeta};
