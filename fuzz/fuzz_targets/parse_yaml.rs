//! Fuzz target: the YAML front end on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmonit::config::{LoadOptions, check_text, load_str};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = check_text(data) {
        let _ = load_str("/nonexistent-dir/monitrc.yml", &text, LoadOptions { strict: false, skip_permissions: true });
    }
});
