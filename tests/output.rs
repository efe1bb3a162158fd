//! Output that cannot be written is a documented failure (exit 1 with a message), never a panic.

use crate::util::trace;
use std::fs::OpenOptions;
use std::process::Command;

/// Run with stdout on /dev/full, where every write fails with "no space left on device".
fn with_full_stdout(args: &[&str]) -> (i32, String) {
    let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jpki"))
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("JPKI_READER")
        .arg("--replay")
        .arg(trace("status/fresh.trace"))
        .args(args)
        .stdout(full)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_full_stdout_is_exit_1_not_a_panic() {
    for args in [
        &["status", "--pins-only"][..],
        &["--json", "status", "--pins-only"],
        &["readers"],
    ] {
        let (code, stderr) = with_full_stdout(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write to stdout"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
