//! `jpki --virtual-card STATE`: the virtual card as a card source, its state kept across runs.

mod common;
use common::{jpki, json};
use std::path::Path;

fn init(state: &Path, args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jpki-vcard"))
        .arg("init")
        .args(args)
        .arg(state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn on(state: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = jpki()
        .arg("--virtual-card")
        .arg(state)
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tries(state: &Path) -> Vec<Option<u64>> {
    let (code, out, err) = on(state, &["--json", "status"], "");
    assert_eq!(code, 0, "{err}");
    json(&out)["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tries_left"].as_u64())
        .collect()
}

#[test]
fn status_reads_the_state_file_and_readers_shows_the_virtual_reader() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    init(&state, &["--profile", "under-15", "--tries", "juki=1"]);
    assert_eq!(tries(&state), vec![None, Some(3), Some(1), Some(3)]);
    let (code, out, _) = on(&state, &["--json", "readers"], "");
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["readers"][0]["name"], "jpki Virtual Card 00 00");
    assert_eq!(v["readers"][0]["atr"], "3BE000FF8131FE4514");
}

#[test]
fn recording_over_the_virtual_card_is_labelled_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    let trace = dir.path().join("out.trace");
    init(&state, &[]);
    let (code, _, err) = on(
        &state,
        &["--record", trace.to_str().unwrap(), "status", "--pins-only"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.starts_with("@source simulator\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with('>')).count(), 14);
}

#[test]
fn a_bad_state_file_names_its_line_and_exits_11() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    std::fs::write(&state, "applications jpki\npin auth 12 3\n").unwrap();
    let (code, out, err) = on(&state, &["status"], "");
    assert_eq!(code, 11, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("card.state:2"), "{err}");
    assert!(err.contains("4 digits"), "{err}");
    let (code, _, err) = on(&dir.path().join("missing.state"), &["status"], "");
    assert_eq!(code, 11, "{err}");
    assert!(err.contains("missing.state"), "{err}");
}

#[test]
fn a_virtual_card_and_a_replay_cannot_both_be_the_card() {
    let out = jpki()
        .args(["--virtual-card", "a.state", "--replay", "b.trace", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `change-pin` is written on another branch; this test runs once it is merged.
#[test]
fn a_change_made_by_one_run_is_seen_by_the_next() {
    let help = jpki().args(["change-pin", "--help"]).output().unwrap();
    if !help.status.success() {
        eprintln!("NOTE: `jpki change-pin` is not built on this branch; test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    init(&state, &["--tries", "kenhojo=2"]);
    let (code, _, err) = on(
        &state,
        &["change-pin", "--stdin", "kenhojo"],
        "1234\n2468\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(tries(&state)[3], Some(3));
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("pin kenhojo 2468 3"), "{saved}");
    // The old PIN is wrong now: one try spent, exit 13.
    let (code, _, err) = on(
        &state,
        &["change-pin", "--stdin", "kenhojo"],
        "1234\n1357\n",
    );
    assert_eq!(code, 13, "{err}");
    assert_eq!(tries(&state)[3], Some(2));
}
