//! livematch workers: the producer, consumer and gateway of the match data
//! plane, plus the all-in-one demo and the benchmarks.
//!
//! I/O lives behind two traits so the same logic runs on real backends and
//! on the demo's in-memory stand-ins:
//! * [`bus`]: the event log (Kafka, or [`bus::memory`]).
//! * [`store`]: the state cache and live channel (Redis, or [`store::memory`]).

pub mod bench;
pub mod bus;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod consumer;
pub mod demo;
pub mod gateway;
pub mod producer;
pub mod protocol;
pub mod shutdown;
pub mod source;
pub mod store;
pub mod telemetry;
