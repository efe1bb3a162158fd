//! Messages that must be true, output that cannot be lost, and a command line that neither
//! echoes a PIN nor lets a card's odd answer pass for a count. Each test drives the binary the
//! way a holder or a script would; the traces it needs are written here, `@source hand-written`.

use crate::util::{
    assert_no_pin, english, jpki, json, replay, replay_text, run, trace, trace_text, vcard_init,
    with_broken_stdout, Run, JPKI,
};
use std::process::Stdio;

const SELECT_JPKI: &str = "> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_AUTH_EF: &str = "> 00 A4 02 0C 02 00 18";
const SELECT_SIGN_EF: &str = "> 00 A4 02 0C 02 00 1B";
const COUNTER: &str = "> 00 20 00 80";
const OK: &str = "< 90 00";

/// A hand-written trace of `lines`.
fn hand_written(lines: &[&str]) -> String {
    format!(
        "@source hand-written\n@reader Hand-written Reader 00 00\n{}\n",
        lines.join("\n")
    )
}

// ---- messages that must be true ----

/// The auth PIN's guard reads 63 C3, then the VERIFY carrying the PIN is answered `answer`.
fn verify_answered(answer: &str) -> String {
    hand_written(&[
        SELECT_JPKI,
        OK,
        SELECT_AUTH_EF,
        OK,
        COUNTER,
        "< 63 C3",
        "> 00 20 00 80 04 ?? ?? ?? ??",
        answer,
    ])
}

#[test]
fn a_verify_carrying_the_pin_answered_6983_never_says_no_pin_was_sent() {
    let trace = verify_answered("< 69 83");
    for command in [&["verify-pin", "--stdin", "auth"][..]] {
        for lang in ["en", "ja"] {
            let args = [&["--lang", lang][..], command].concat();
            let Run {
                code,
                stdout: out,
                stderr: err,
            } = replay_text(&trace, &args, "4827\n");
            assert_eq!(code, 15, "{out}{err}");
            let all = format!("{out}{err}");
            assert!(!all.contains("no PIN was sent"), "{all}");
            assert!(!all.contains("送信していません"), "{all}");
            match lang {
                "en" => assert!(
                    all.contains("the auth PIN was sent, and the card answered 69 83"),
                    "{all}"
                ),
                _ => assert!(
                    all.contains("を送信したところ、カードが 69 83 と応答しました"),
                    "{all}"
                ),
            }
        }
    }
    // The guard's own refusal still says no PIN was sent: it is true there.
    let guard = hand_written(&[SELECT_JPKI, OK, SELECT_AUTH_EF, OK, COUNTER, "< 69 83"]);
    let Run { stderr: err, .. } =
        replay_text(&guard, &["verify-pin", "--stdin", "auth"], "4827\n").assert_exit(15);
    assert!(err.contains("no PIN was sent"), "{err}");
}

/// The advice lines (`- Name: ...`) under "What to do:" in `text`.
fn advice_lines(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("What to do:") && !l.starts_with("対処方法:"))
        .filter(|l| l.starts_with("- ") || l.starts_with("  "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_locked_auth_pin_gets_the_same_advice_from_status_change_pin_and_verify_pin() {
    // auth locked, read by each command's guard; sign, juki and kenhojo fine.
    let guard = hand_written(&[SELECT_JPKI, OK, SELECT_AUTH_EF, OK, COUNTER, "< 63 C0"]);
    for lang in ["en", "ja"] {
        // status with sign unknown to the others: --pins-only on a card whose sign PIN works.
        let Run { stdout: status, .. } =
            replay("guidance/auth-locked.trace", &["--lang", lang, "status"]);
        let status_advice: Vec<String> = advice_lines(&status)
            .into_iter()
            .filter(|l| l.contains("auth") || l.contains("利用者証明用"))
            .collect();
        assert!(!status_advice.is_empty(), "{status}");
        for command in [
            &["change-pin", "--stdin", "auth"][..],
            &["verify-pin", "--stdin", "auth"],
        ] {
            let args = [&["--lang", lang][..], command].concat();
            let stdin = if command[0] == "change-pin" {
                "4827\n6391\n"
            } else {
                "4827\n"
            };
            let Run {
                stdout: out,
                stderr: err,
                ..
            } = replay_text(&guard, &args, stdin).assert_exit_for(15, format_args!("{command:?}"));
            // The kiosk while the other JPKI PIN may work: the words status uses, nothing else.
            assert_eq!(
                advice_lines(&out)[0],
                status_advice[0],
                "{command:?} ({lang}):\n{out}"
            );
            assert!(!err.contains("municipality"), "{err}");
        }
    }
}

#[test]
fn a_count_above_the_maximum_is_an_unexpected_answer_and_the_guard_refuses() {
    // 63 CF: fifteen tries, for a password that has five.
    let status = trace_text("status/fresh.trace").replacen("< 63 C5", "< 63 CF", 1);
    let Run {
        code, stdout: out, ..
    } = replay_text(&status, &["status", "--pins-only"], "");
    assert_eq!(code, 0);
    let sign = out
        .lines()
        .find(|l| l.starts_with("Signature password"))
        .unwrap();
    assert!(sign.contains("unreadable (SW 63 CF)"), "{out}");
    assert!(!sign.contains("15/5"), "{out}");
    let Run { stdout: out, .. } = replay_text(&status, &["--json", "status", "--pins-only"], "");
    let json = json(&out);
    assert_eq!(json["pins"][0]["state"], "error");
    assert_eq!(json["pins"][0]["tries_left"], serde_json::Value::Null);
    // 63 C4 for the 3-try auth PIN: the guard refuses, no PIN is sent (the trace holds none).
    for (ef, pin, answer, stdin) in [
        (SELECT_AUTH_EF, "auth", "< 63 C4", "4827\n6391\n"),
        (SELECT_SIGN_EF, "sign", "< 63 CF", "ABCD1234\nWXYZ9876\n"),
    ] {
        let guard = hand_written(&[SELECT_JPKI, OK, ef, OK, COUNTER, answer]);
        let Run { stderr: err, .. } =
            replay_text(&guard, &["change-pin", "--stdin", pin], stdin).assert_exit(12);
        assert!(err.contains(&answer[2..]), "{err}");
    }
}

#[test]
fn a_counter_answered_with_one_byte_or_none_marks_that_pin_unreadable_and_status_goes_on() {
    let fresh = trace_text("status/fresh.trace");
    for short in ["< 90", "<"] {
        // The auth counter (the second 63 C3 answer is juki's).
        let text = fresh.replacen("< 63 C3", short, 1);
        let Run { stdout: out, .. } = replay_text(&text, &["status", "--pins-only"], "")
            .assert_exit_for(0, format_args!("{short:?}"));
        let auth = out
            .lines()
            .find(|l| l.starts_with("User authentication"))
            .unwrap();
        assert!(auth.contains("unreadable"), "{out}");
        let juki = out
            .lines()
            .find(|l| l.starts_with("Resident registry"))
            .unwrap();
        assert!(juki.contains("3/3"), "{out}");
        let Run { stdout: out, .. } = replay_text(&text, &["--json", "status", "--pins-only"], "");
        let json = json(&out);
        assert_eq!(json["pins"][1]["state"], "error");
        assert_eq!(json["pins"][2]["state"], "ok");
        assert_eq!(json["pins"][3]["state"], "ok");
    }
}

// ---- output that cannot be written ----

#[test]
fn a_closed_or_full_stdout_is_exit_1_with_a_message() {
    let fresh = trace("status/fresh.trace");
    let probe = trace("card/probe-my-number-card.trace");
    let card = trace("card/my-number-card.trace");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--replay", fresh.to_str().unwrap(), "status", "--pins-only"],
        vec!["--replay", card.to_str().unwrap(), "status"],
        vec![
            "--json",
            "--replay",
            fresh.to_str().unwrap(),
            "status",
            "--pins-only",
        ],
        vec!["--replay", probe.to_str().unwrap(), "readers"],
        vec!["--json", "--replay", probe.to_str().unwrap(), "readers"],
        vec!["--replay", probe.to_str().unwrap(), "doctor"],
        vec!["--json", "--replay", probe.to_str().unwrap(), "doctor"],
        vec!["completions", "bash"],
        vec!["manpage"],
    ];
    for how in ["closed", "full"] {
        for args in &cases {
            let out = with_broken_stdout(how, args, "");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{how} {args:?}: {err}");
            assert!(
                err.contains("jpki: error: cannot write to stdout"),
                "{how} {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    // A stdout sent to /dev/null on purpose is no failure.
    let out = english(JPKI)
        .args(["--replay", fresh.to_str().unwrap(), "status", "--pins-only"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn change_pin_and_verify_pin_tell_the_cards_outcome_on_stderr_when_stdout_fails() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    vcard_init(&state, &[]);
    let state = state.to_str().unwrap().to_string();
    for how in ["closed", "full"] {
        for json in [false, true] {
            let mut args = vec!["--virtual-card", &state];
            if json {
                args.push("--json");
            }
            // The virtual card's auth PIN is 1234: changed, then changed back.
            for (from, to) in [("1234", "5680"), ("5680", "1234")] {
                let mut change = args.clone();
                change.extend(["change-pin", "--stdin", "auth"]);
                let out = with_broken_stdout(how, &change, &format!("{from}\n{to}\n"));
                let err = String::from_utf8_lossy(&out.stderr);
                // The PIN changed: that is the exit code, and stderr says so.
                assert_eq!(out.status.code(), Some(0), "{how} json={json}: {err}");
                assert!(err.contains("could not be written to stdout"), "{err}");
                assert!(
                    err.contains("User authentication PIN (auth): changed"),
                    "{err}"
                );
            }
            let mut verify = args.clone();
            verify.extend(["verify-pin", "--stdin", "auth"]);
            let out = with_broken_stdout(how, &verify, "0000\n");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(13), "{err}");
            assert!(err.contains("WRONG. 2 of 3 tries left."), "{err}");
            // Right again: the counter goes back to its maximum.
            let out = with_broken_stdout(how, &verify, "1234\n");
            assert_eq!(out.status.code(), Some(0));
        }
    }
}

// ---- the command line ----

#[test]
fn usage_errors_say_jpki_error_never_echo_a_pin_and_speak_japanese() {
    for (args, pin) in [
        (&["change-pin", "auth", "1234"][..], "1234"),
        (&["verify-pin", "4827"], "4827"),
        (&["change-pin", "sign", "ABC123"], "ABC123"),
        (&["status", "--pin=4827"], "4827"),
        (&["status", "abcd1234"], "abcd1234"),
    ] {
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = run(jpki().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.starts_with("jpki: error: "), "{err}");
        assert_no_pin("a usage error", &err, &[pin]);
        let Run {
            code, stderr: err, ..
        } = run(jpki().args(["--lang", "ja"]).args(args));
        assert_eq!(code, 2);
        assert!(err.starts_with("jpki: エラー: "), "{err}");
        assert_no_pin("a usage error", &err, &[pin]);
    }
    // A Japanese locale speaks Japanese too; values that are no PIN are shown.
    let Run { stderr: err, .. } = run(jpki()
        .env("LANG", "ja_JP.UTF-8")
        .args(["completions", "tcsh"]));
    assert!(err.starts_with("jpki: エラー: "), "{err}");
    assert!(err.contains("'tcsh'"), "{err}");
    // Help and version are no errors.
    let Run {
        code, stdout: out, ..
    } = run(jpki().arg("--help"));
    assert_eq!(code, 0);
    assert!(out.contains("Usage"), "{out}");
}

#[test]
fn only_a_japanese_utf8_locale_speaks_japanese() {
    let fresh = trace("status/fresh.trace");
    let status = |lang: &str| {
        let Run { stdout: out, .. } = run(jpki()
            .env("LANG", lang)
            .arg("--replay")
            .arg(&fresh)
            .args(["status", "--pins-only"]));
        out
    };
    assert!(status("ja_JP.UTF-8").contains("残り回数"));
    for english in ["jam_JM.UTF-8", "jam_JM", "ja_JP.eucJP", "ja_JP.SJIS"] {
        let out = status(english);
        assert!(out.contains("tries left"), "{english}: {out}");
        assert!(out.is_ascii(), "{english}: {out}");
    }
}

// ---- --record never replaces an input, never writes through a link ----

#[test]
#[cfg(unix)]
fn record_refuses_an_input_of_the_run_and_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let state = d.join("card.state");
    vcard_init(&state, &[]);
    let fresh = d.join("fresh.trace");
    std::fs::copy(trace("status/fresh.trace"), &fresh).unwrap();
    std::os::unix::fs::symlink(&fresh, d.join("link-to-trace")).unwrap();
    std::fs::hard_link(&fresh, d.join("hard-link-to-trace")).unwrap();
    std::os::unix::fs::symlink(&state, d.join("link-to-state")).unwrap();
    std::fs::write(d.join("precious.txt"), "keep me").unwrap();
    std::os::unix::fs::symlink(d.join("precious.txt"), d.join("out.trace")).unwrap();
    let before = |p: &str| std::fs::read(d.join(p)).unwrap();
    let (state_before, trace_before) = (before("card.state"), before("fresh.trace"));
    // `jpki ARGS status --pins-only` in the folder.
    let status_in_folder = |args: &[&str]| {
        run(jpki()
            .current_dir(d)
            .args(args)
            .args(["status", "--pins-only"]))
    };
    let cases: Vec<(&str, &str, &str)> = vec![
        ("--virtual-card", "card.state", "card.state"),
        ("--virtual-card", "card.state", "link-to-state"),
        ("--virtual-card", "link-to-state", "card.state"),
        ("--replay", "fresh.trace", "fresh.trace"),
        ("--replay", "fresh.trace", "./fresh.trace"),
        ("--replay", "fresh.trace", "link-to-trace"),
        ("--replay", "fresh.trace", "hard-link-to-trace"),
        ("--replay", "fresh.trace", "out.trace"),
    ];
    for (flag, input, record) in cases {
        let Run {
            code,
            stdout: out,
            stderr: err,
        } = status_in_folder(&[flag, input, "--record", record]);
        assert_eq!(code, 2, "{flag} {input} --record {record}: {err}");
        assert!(err.contains("--record"), "{err}");
        assert!(out.is_empty(), "the card was read: {flag} {input} {record}");
    }
    // A folder is no trace file: unwritable, as a trace error (11), before the card is read.
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = status_in_folder(&["--replay", "fresh.trace", "--record", "."]);
    assert_eq!(code, 11, "{out}{err}");
    assert!(out.is_empty());
    assert_eq!(before("card.state"), state_before);
    assert_eq!(before("fresh.trace"), trace_before);
    assert_eq!(before("precious.txt"), b"keep me");
    // An existing regular trace file is replaced whole (by a rename): a new recording.
    std::fs::write(d.join("old.trace"), "old").unwrap();
    status_in_folder(&["--replay", "fresh.trace", "--record", "old.trace"]).assert_exit(0);
    assert!(std::fs::read_to_string(d.join("old.trace"))
        .unwrap()
        .starts_with("@source"));
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
