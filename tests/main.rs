//! Integration tests: one test binary (one link), modules per area, shared helpers in util.

mod util;
mod bad_input;
mod parser_props;
mod cli;
