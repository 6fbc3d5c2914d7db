//! rmonit: a Monit-compatible host health monitor.
//!
//! The architecture in one screen (dependencies point down):
//!
//! ```text
//!   main.rs ── cli ──────────────┐            (parse args, -t, config show/convert, verbs)
//!                │               │
//!                ▼               ▼
//!   config:  lexer ─► parser ─► validate ─► model      yaml ◄─► model ─► render (monitrc)
//! ```
//!
//! `config::model` is the leaf every other part reads: the whole Monit 5.33 control-file
//! language, plus our extensions (per-service environment and working directory, named
//! actions, webhooks). The monitrc and YAML front ends both produce it; `render` writes it
//! back as monitrc. The engine, checks, control plane, alerts and dashboard build on it in
//! the issues that follow.

pub mod alert;
pub mod checks;
pub mod cli;
pub mod config;
pub mod control;
pub mod daemon;
pub mod engine;
pub mod escape;
pub mod exec;
pub mod files;
pub mod http;
pub mod outcome;
pub mod procfs;
pub mod state;

/// The version rmonit reports; the Monit version it is compatible with is [`MONIT_VERSION`].
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Monit release whose control files, CLI and endpoints rmonit follows.
pub const MONIT_VERSION: &str = "5.33.0";
