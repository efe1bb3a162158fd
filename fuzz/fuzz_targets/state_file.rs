//! The virtual card's state file on arbitrary bytes, read as a run reads it: written to a file,
//! then loaded through `VirtualCard::load_state` (lock, size limit, UTF-8 check, parse). It must
//! give a card state or an error, never panic; an error must be a malformed file (the input is
//! far under the size limit) and safe to print; and a state it accepts must be written and loaded
//! back the same.
#![no_main]

use jpki_card::text::is_unprintable;
use jpki_vcard::{CardState, StateError, VirtualCard};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One file for this process, rewritten for every input: in memory when /dev/shm is there.
fn state_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let dir = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("jpki-fuzz-state-{}.state", std::process::id()))
    })
}

fn load(bytes: &[u8]) -> Result<CardState, StateError> {
    let path = state_path();
    std::fs::write(path, bytes).expect("the fuzz state file can be written");
    VirtualCard::load_state(path)
}

fuzz_target!(|data: &[u8]| {
    match load(data) {
        Ok(state) => {
            let text = VirtualCard::state_text(&state);
            let again = load(text.as_bytes()).expect("a written state file loads back");
            assert_eq!(again, state);
            assert_eq!(VirtualCard::state_text(&again), text);
        }
        Err(error @ StateError::Malformed { .. }) => {
            let shown = error.to_string();
            assert!(!shown.chars().any(is_unprintable), "{shown:?}");
        }
        Err(other) => panic!("a state file's text gave a non-parse error: {other}"),
    }
});
