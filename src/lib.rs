pub mod cli;
pub mod diff;
pub mod engine;
pub mod lint;
