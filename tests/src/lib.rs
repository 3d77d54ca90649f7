//! Harness for end-to-end tests (being written).

pub mod broker;
pub mod redis;
pub mod process;
pub mod viewer;
pub mod http;
pub mod stack;
