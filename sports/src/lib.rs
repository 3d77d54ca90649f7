//! Pure match logic for livematch: no I/O anywhere in this crate.
//!
//! * [`envelope`]: the sport-neutral envelope every event travels in
//!   (match id, sequence number, timestamp, schema version).
//! * [`patch`]: the JSON Patch subset used for deltas sent to viewers.
//! * [`engine`]: the sport-neutral match state that folds envelopes.
//! * [`cricket`]: the laws of cricket, scorecards, simulator and Cricsheet replay.

pub mod cricket;
pub mod engine;
pub mod envelope;
pub mod patch;

pub use engine::{Applied, ApplyError, MatchState, Status};
pub use envelope::{Envelope, EnvelopeError, Event, SCHEMA_VERSION, Sport};
pub use patch::PatchOp;
