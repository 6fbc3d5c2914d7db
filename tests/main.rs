//! Integration tests: one test binary (one link), modules per area, shared helpers in util.

mod alerts;
mod bad_input;
mod browser;
mod checks;
mod cli;
mod control;
mod corpus;
mod daemon;
mod golden;
mod grammar_diff;
mod hardening;
mod monit_cli;
mod monit_state;
mod network;
mod parser_props;
mod protocols;
mod read_verbs;
mod roundtrip;
mod shipped;
mod util;
mod web;
mod web_flood;
