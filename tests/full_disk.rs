//! A file that cannot be written during a run, on a full disk, past a quota or after an I/O
//! error (a missing or read-only folder is refused before the card is touched, in replay.rs):
//! the exit code and `error` stay the card's outcome, and the file is a warning on stderr and
//! in the JSON's `warnings`. The fault is `on_full_disk`'s RLIMIT_FSIZE of 0, which fails every
//! write to a file mid-run for root and anyone else alike.

use crate::util::{on_full_disk, on_full_folder, state_line, trace, vcard_init, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `jpki --json --replay TRACE --record DIR/out.trace ARGS...` on a full disk: the run, its
/// JSON, and the folder, which must hold nothing afterwards (no trace, no partial file).
fn replayed_on_full_disk(trace_name: &str, args: &[&str], stdin: &str) -> (Run, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.trace");
    let replayed = trace(trace_name);
    let all = [
        &["--json", "--replay", replayed.to_str().unwrap()][..],
        &["--record", out.to_str().unwrap()],
        args,
    ]
    .concat();
    let ran = on_full_disk(&all, stdin);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(names.is_empty(), "left behind: {names:?}\n{}", ran.stderr);
    let json = ran.stdout_json();
    assert_trace_warning(&ran, &json, &out);
    (ran, json)
}

/// The run warned, on stderr and in its JSON, that the trace at `path` was not written.
#[track_caller]
fn assert_trace_warning(ran: &Run, json: &Value, path: &Path) {
    assert_eq!(
        json["warnings"],
        serde_json::json!([{
            "kind": "trace_not_written",
            "path": path.to_str().unwrap(),
            "reason": "File too large (os error 27)",
        }]),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr
            .contains("jpki: warning: the trace could not be written to"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_changed_pin_whose_trace_fails_is_changed_exit_0() {
    let (ran, json) = replayed_on_full_disk(
        "change-pin/success-auth.trace",
        &["change-pin", "--stdin", "auth"],
        "4827\n6391\n",
    );
    let ran = ran.assert_exit(0);
    assert_eq!(json["error"], Value::Null, "{}", ran.stdout);
    assert_eq!(json["pins"][0]["changed"], true);
    assert!(!ran.stderr.contains("jpki: error"), "{}", ran.stderr);
}

#[test]
fn a_right_pin_whose_trace_fails_is_verified_exit_0() {
    let (ran, json) = replayed_on_full_disk(
        "verify-pin/success-auth.trace",
        &["verify-pin", "--stdin", "auth"],
        "4827\n",
    );
    ran.assert_exit(0);
    assert_eq!(json["error"], Value::Null);
    assert_eq!(json["pins"][0]["verified"], true);
}

#[test]
fn a_wrong_pin_whose_trace_fails_is_the_cards_wrong_pin() {
    let (ran, json) = replayed_on_full_disk(
        "verify-pin/wrong-auth.trace",
        &["verify-pin", "--stdin", "auth"],
        "4827\n",
    );
    ran.assert_exit(13);
    assert_eq!(json["error"]["code"], "wrong_pin");
    assert_eq!(json["error"]["exit"], 13);
}

#[test]
fn status_whose_trace_fails_exits_0_with_a_warning() {
    let (ran, json) = replayed_on_full_disk("status/fresh.trace", &["status", "--pins-only"], "");
    ran.assert_exit(0);
    assert_eq!(json["pins"][1]["tries_left"], 3);
    // Every other command likewise; readers and doctor do not also say nothing was sent.
    for command in ["readers", "doctor"] {
        let (ran, json) = replayed_on_full_disk("card/probe-my-number-card.trace", &[command], "");
        let ran = ran.assert_exit_for(0, command);
        assert!(
            !ran.stderr.contains("no trace was written"),
            "{}",
            ran.stderr
        );
        assert_eq!(json["error"], Value::Null);
    }
}

#[test]
fn a_replay_not_used_up_is_still_the_failure_and_the_trace_a_warning() {
    // Plain status's trace, replayed for --pins-only: exchanges are left over.
    let (ran, json) =
        replayed_on_full_disk("card/my-number-card.trace", &["status", "--pins-only"], "");
    ran.assert_exit(11);
    assert_eq!(json["error"]["code"], "trace");
}

#[test]
fn the_warning_is_in_the_holders_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.trace");
    let replayed = trace("change-pin/success-auth.trace");
    let ran = on_full_disk(
        &[
            "--lang",
            "ja",
            "--replay",
            replayed.to_str().unwrap(),
            "--record",
            out.to_str().unwrap(),
            "change-pin",
            "--stdin",
            "auth",
        ],
        "4827\n6391\n",
    )
    .assert_exit(0);
    assert!(
        ran.stderr.contains("jpki: 警告: トレースを")
            && ran.stderr.contains("書き込めませんでした"),
        "{}",
        ran.stderr
    );
    // The card's report is printed as usual.
    assert_eq!(
        ran.stdout,
        "利用者証明用電子証明書の暗証番号: 変更しました\n"
    );
}

#[test]
fn a_pin_changed_on_the_card_stays_changed_when_the_traces_disk_is_full() {
    // The card's state file on a disk with room, the trace on one without (ENOSPC).
    let (dir, state) = virtual_card(&[]);
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    let out = full.join("out.trace");
    let args = [
        "--json",
        "--virtual-card",
        state.to_str().unwrap(),
        "--record",
        out.to_str().unwrap(),
        "change-pin",
        "--stdin",
        "auth",
    ];
    let Some(ran) = on_full_folder(&full, &args, "1234\n4827\n") else {
        return;
    };
    let ran = ran.assert_exit(0);
    let json = ran.stdout_json();
    assert_eq!(json["error"], Value::Null, "{}", ran.stdout);
    assert_eq!(json["warnings"][0]["kind"], "trace_not_written");
    assert_eq!(
        json["warnings"][0]["reason"],
        "No space left on device (os error 28)"
    );
    assert_eq!(state_line(&state, "pin auth"), "pin auth 4827 3");
    // Nothing reached the real folder under the full one.
    assert_eq!(std::fs::read_dir(&full).unwrap().count(), 0);
}

/// A virtual card in a folder of its own: its state file's path.
fn virtual_card(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, args);
    (dir, state)
}

#[test]
fn a_virtual_card_change_that_cannot_be_saved_is_the_cards_65_81_and_a_warning() {
    let (_dir, state) = virtual_card(&[]);
    let ran = on_full_disk(
        &[
            "--json",
            "--virtual-card",
            state.to_str().unwrap(),
            "change-pin",
            "--stdin",
            "auth",
        ],
        "1234\n4827\n",
    )
    .assert_exit(12);
    let json = ran.stdout_json();
    assert_eq!(json["pins"][0]["changed"], false, "{}", ran.stdout);
    assert_eq!(json["error"]["code"], "card_answer");
    assert!(
        json["error"]["message"].as_str().unwrap().contains("65 81"),
        "{}",
        ran.stdout
    );
    assert_eq!(json["warnings"][0]["kind"], "state_not_saved");
    assert_eq!(json["warnings"][0]["path"], state.to_str().unwrap());
    assert!(
        json["warnings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("File too large"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr
            .contains("jpki: warning: the virtual card could not save a change"),
        "{}",
        ran.stderr
    );
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 3");
}

#[test]
fn a_wrong_verify_that_cannot_be_saved_spends_no_try_and_says_why() {
    // The try a wrong PIN spends is a change: unsaved, the card answers 65 81 and keeps 2.
    let (_dir, state) = virtual_card(&["--tries", "auth=2"]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.trace");
    let ran = on_full_disk(
        &[
            "--json",
            "--virtual-card",
            state.to_str().unwrap(),
            "--record",
            out.to_str().unwrap(),
            "verify-pin",
            "--stdin",
            "auth",
        ],
        "9999\n",
    )
    .assert_exit(12);
    let json = ran.stdout_json();
    let kinds: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    // In the order they happened: the state file during the run, the trace at its end.
    assert_eq!(
        kinds,
        ["state_not_saved", "trace_not_written"],
        "{}",
        ran.stdout
    );
    assert_eq!(state_line(&state, "pin auth"), "pin auth 1234 2");
}

#[test]
fn a_virtual_card_run_that_changes_nothing_needs_no_disk() {
    let (_dir, state) = virtual_card(&[]);
    let ran = on_full_disk(
        &[
            "--json",
            "--virtual-card",
            state.to_str().unwrap(),
            "status",
        ],
        "",
    )
    .assert_exit(0);
    assert_eq!(ran.stdout_json()["warnings"], serde_json::json!([]));
    assert!(!ran.stderr.contains("warning"), "{}", ran.stderr);
}
