//! rmonit: a Monit-compatible host health monitor.
//!
//! The architecture in one screen (each layer uses only the layers below it):
//!
//! ```text
//!   main.rs ─► cli            verbs, -t, config show/convert; the CLI talks to the daemon
//!                │            over the control socket
//!                ▼
//!             daemon          the running process: cycles, signals, reload, pid and state
//!                │            files, logging, limits; wires the engine to the listeners
//!        ┌───────┴────────┐
//!        ▼                ▼
//!     control ──────► http    one axum router (Monit's endpoints, JSON API, dashboard in
//!   (unix socket,       │     http::web, the lock-down); control holds both listeners,
//!    TCP, client)       │     their one connection server, and the CLI's client
//!                       ▼
//!                    engine    one task per service: observe, judge (rules), act (start,
//!                  ┌────┼────┐ stop, restart, exec), in dependency order; user actions queue
//!                  ▼    ▼    ▼
//!             alert  checks  exec    alert: durable queue, mail, webhooks; checks: one observer
//!                  │    │            per service kind (observer), protocols; exec: programs
//!                  ▼    ▼
//!                 state  procfs      state: status board, reports, state file; procfs: /proc
//!                  │
//!                  ▼
//!   config  outcome  files  escape   leaves: the language (lexer, parser, validate, model,
//!   timestamp                        (timestamp: the one JSON form of a time)
//!                                    render, yaml, paths), test outcomes and event states,
//!                                    non-blocking opens, log-safe text
//! ```
//!
//! `config::model` is the vocabulary every other part reads: the whole Monit 5.33
//! control-file language, plus our extensions (per-service environment and working
//! directory, named actions, webhooks). The monitrc and YAML front ends both produce it,
//! compiled (regexes, cron specs, TLS versions, `allow` nets, pattern files) when a file is
//! loaded or reloaded; `render` writes it back as monitrc.

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
pub mod timestamp;

/// The version rmonit reports; the Monit version it is compatible with is [`MONIT_VERSION`].
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Monit release whose control files, CLI and endpoints rmonit follows.
pub const MONIT_VERSION: &str = "5.33.0";
