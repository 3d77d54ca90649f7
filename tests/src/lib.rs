//! Harness for end-to-end tests (being written).

pub mod broker;
pub mod cluster;
pub mod http;
pub mod process;
pub mod redis;
pub mod stack;
pub mod viewer;
