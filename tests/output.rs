//! Output that cannot be written is a documented failure (exit 1 with a message), never a panic.

use crate::util::{trace, with_broken_stdout};

#[test]
fn a_full_stdout_is_exit_1_not_a_panic() {
    let fresh = trace("status/fresh.trace");
    for args in [
        &["status", "--pins-only"][..],
        &["--json", "status", "--pins-only"],
        &["readers"],
    ] {
        let replayed = [&["--replay", fresh.to_str().unwrap()][..], args].concat();
        let out = with_broken_stdout("full", &replayed, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write to stdout"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
