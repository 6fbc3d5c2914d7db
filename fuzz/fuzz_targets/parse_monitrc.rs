//! Fuzz target: the monitrc front end (lexer, parser, validator) on arbitrary bytes.
//! Run on stable with `cargo fuzz run -s none parse_monitrc`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmonit::config::{LoadOptions, check_text, load_str};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = check_text(data) {
        let _ = load_str("/nonexistent-dir/monitrc", &text, LoadOptions { strict: false, skip_permissions: true });
    }
});
