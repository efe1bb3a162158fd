//! Output that cannot be written is a documented failure (exit 1 with a message), never a panic;
//! a pipe whose reader went away ends jpki quietly.

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

/// jpki with stdout on a pipe whose reading end is already closed, so its first write fails
/// with EPIPE, as under `jpki status | head -1` once head has gone.
#[cfg(unix)]
fn with_gone_reader(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let (reading, writing) = rustix::pipe::pipe().unwrap();
    drop(reading);
    let mut child = crate::util::english(crate::util::JPKI)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::from(writing))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// A reader that went away took what it wanted: no message, exit 0, as with ripgrep.
#[cfg(unix)]
#[test]
fn a_pipe_whose_reader_went_away_ends_quietly_with_0() {
    let fresh = trace("status/fresh.trace");
    let probe = trace("card/probe-my-number-card.trace");
    let (fresh, probe) = (fresh.to_str().unwrap(), probe.to_str().unwrap());
    for args in [
        &["--replay", fresh, "status", "--pins-only"][..],
        &["--json", "--replay", fresh, "status", "--pins-only"],
        &["--replay", probe, "readers"],
        &["--replay", probe, "doctor"],
        &["completions", "bash"],
    ] {
        let out = with_gone_reader(args, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// A PIN command's exit code stays the card's outcome, and stderr tells what happened.
#[cfg(unix)]
#[test]
fn a_pin_command_on_a_gone_pipe_keeps_the_cards_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    crate::util::vcard_init(&state, &[]);
    let state = state.to_str().unwrap();
    let out = with_gone_reader(
        &["--virtual-card", state, "verify-pin", "--stdin", "auth"],
        "0000\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(13), "{stderr}");
    assert!(stderr.contains("WRONG. 2 of 3 tries left."), "{stderr}");
    let out = with_gone_reader(
        &["--virtual-card", state, "verify-pin", "--stdin", "auth"],
        "1234\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("could not be written to stdout"),
        "{stderr}"
    );
}
