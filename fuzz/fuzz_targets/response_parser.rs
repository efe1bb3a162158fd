//! The response parser and status words on arbitrary bytes: an error or a split that gives the
//! same bytes back, never a panic.
#![no_main]

use jpki_card::apdu::{Response, StatusWord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Response::parse(data) {
        Ok(response) => {
            let mut again = response.data.clone();
            again.extend_from_slice(&response.sw.to_u16().to_be_bytes());
            assert_eq!(again, data);
            let _ = (response.sw.hex(), response.sw.to_string());
        }
        Err(_) => assert!(data.len() < 2),
    }
    if let [a, b, ..] = data {
        let sw = StatusWord::from(u16::from_be_bytes([*a, *b]));
        assert_eq!(sw.to_u16().to_be_bytes(), [*a, *b]);
    }
});
