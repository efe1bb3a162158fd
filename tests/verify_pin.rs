//! `jpki verify-pin` against hand-written traces: the exchange, exit codes, messages, JSON, and
//! that the PIN never leaks and bad input never reaches a card.

use crate::util::{
    assert_no_pin, commands_in, jpki, json, one_apdu_off, pin_commands, replay_recorded,
    replay_stdin, replay_text, trace, trace_text, Run,
};

/// The PIN every test types; distinctive, so a leak is easy to spot.
const PIN: &str = "4827";

/// Run `jpki --replay verify-pin/TRACE ARGS...` with `stdin`.
fn verify(trace_name: &str, args: &[&str], stdin: &str) -> Run {
    let result = replay_stdin(&format!("verify-pin/{trace_name}"), args, stdin);
    assert_no_pin("stdout", &result.stdout, &[PIN]);
    assert_no_pin("stderr", &result.stderr, &[PIN]);
    result
}

fn pin_line() -> String {
    format!("{PIN}\n")
}

#[test]
fn a_right_pin_says_so_and_that_the_counter_is_back_at_its_maximum() {
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = verify(
        "success-auth.trace",
        &["verify-pin", "--stdin", "auth"],
        &pin_line(),
    )
    .assert_exit(0);
    assert_eq!(
        out,
        "User authentication PIN (auth): right. The counter is back at its maximum: 3 of 3 tries.\n"
    );
    assert!(err.is_empty(), "{err}");
    verify(
        "success-auth.trace",
        &["--lang", "ja", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    )
    .assert_stdout_contains("正しい暗証番号です")
    .assert_stdout_contains("最大の3回に戻りました");
    let Run { stdout: out, .. } = verify(
        "success-auth.trace",
        &["--json", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    );
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["id"], "auth");
    assert_eq!(pin["verified"], true);
    assert_eq!(pin["result"], "verified");
    assert_eq!(pin["tries_left"], 3);
    assert_eq!(pin["next_step"], "none");
}

#[test]
fn auth_is_exactly_four_apdus_and_juki_twelve() {
    let commands = |name: &str| commands_in(&trace_text(&format!("verify-pin/{name}")));
    assert_eq!(
        commands("success-auth.trace"),
        [
            "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01",
            "00 A4 02 0C 02 00 18",
            "00 20 00 80",
            "00 20 00 80 04 ?? ?? ?? ??",
        ]
    );
    let juki_ap = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01";
    let common_ap = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
    let ef = "00 A4 02 0C 02 00 1C";
    let counter = "00 20 00 80";
    let pin = "00 20 00 80 04 ?? ?? ?? ??";
    assert_eq!(
        commands("success-juki.trace"),
        [juki_ap, ef, counter, common_ap, ef, counter, juki_ap, ef, pin, common_ap, ef, pin]
    );
}

#[test]
fn an_added_missing_or_reordered_apdu_fails_verify_pin() {
    let base = trace_text("verify-pin/success-juki.trace");
    let exchanges: Vec<(String, String)> = {
        let lines: Vec<&str> = base
            .lines()
            .filter(|l| l.starts_with('>') || l.starts_with('<'))
            .collect();
        lines
            .chunks(2)
            .map(|c| (c[0].to_string(), c[1].to_string()))
            .collect()
    };
    for variant in one_apdu_off(&exchanges, |a, b| a.0 == b.0) {
        let text: String = std::iter::once("@source hand-written\n".to_string())
            .chain(variant.iter().map(|(c, a)| format!("{c}\n{a}\n")))
            .collect();
        let args = ["verify-pin", "--stdin", "--experimental", "juki"];
        let Run { code, stderr, .. } = replay_text(&text, &args, &pin_line());
        // 11 (docs/exit-codes.md): the replay diverged from its trace, or was not used up.
        assert_eq!(code, 11, "{text}\n{stderr}");
    }
}

#[test]
fn a_wrong_pin_gives_the_tries_left_and_the_advice_status_gives() {
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = verify(
        "wrong-auth.trace",
        &["verify-pin", "--stdin", "auth"],
        &pin_line(),
    )
    .assert_exit(13);
    assert!(
        out.starts_with("User authentication PIN (auth): WRONG. 1 of 3 tries left.\n"),
        "{out}"
    );
    // The same words as `status` on a PIN at its last try.
    assert!(out.contains("What to do:"), "{out}");
    assert!(
        out.contains("last try: one more wrong entry locks it"),
        "{out}"
    );
    assert!(err.contains("is wrong; 1 try left"), "{err}");
    // verify-pin checks one PIN: nothing in its words calls it the "current" one.
    assert!(!format!("{out}{err}").contains("current"), "{out}{err}");
    let Run {
        stdout: out_ja,
        stderr: err_ja,
        ..
    } = verify(
        "wrong-auth.trace",
        &["--lang", "ja", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    );
    assert!(err_ja.contains("が違います"), "{err_ja}");
    assert!(
        !format!("{out_ja}{err_ja}").contains("現在の"),
        "{out_ja}{err_ja}"
    );
    let Run { stdout: out, .. } = verify(
        "wrong-auth.trace",
        &["--json", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    );
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["verified"], false);
    assert_eq!(pin["result"], "wrong_pin");
    assert_eq!(pin["tries_left"], 1);
    assert_eq!(pin["next_step"], "avoid_wrong_entry");
    assert_eq!(pin["if_locked"], "kiosk_reset");
}

#[test]
fn the_last_try_is_refused_unless_allowed_and_a_right_pin_restores_every_try() {
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = verify(
        "last-try-refused.trace",
        &["--json", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    );
    assert_eq!(code, 14, "{err}");
    assert_eq!(json(&out)["pins"][0]["result"], "last_try_refused");
    assert!(err.contains("--allow-last-try"), "{err}");
    verify(
        "last-try-allowed.trace",
        &["verify-pin", "--stdin", "--allow-last-try", "auth"],
        &pin_line(),
    )
    .assert_exit(0)
    .assert_stdout_contains("back at its maximum: 3 of 3");
}

#[test]
fn a_locked_pin_is_refused_before_it_is_sent() {
    verify(
        "locked.trace",
        &["verify-pin", "--stdin", "kenhojo"],
        &pin_line(),
    )
    .assert_exit(15)
    .assert_stderr_contains("no PIN was sent")
    .assert_stdout_contains("Only the city office can reset it");
}

#[test]
fn a_card_lost_during_the_verify_says_the_try_may_have_been_counted() {
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = verify(
        "removed-during-verify.trace",
        &["--json", "verify-pin", "--stdin", "kenhojo"],
        &pin_line(),
    )
    .assert_exit(16);
    assert_eq!(json(&out)["pins"][0]["verified"], serde_json::Value::Null);
    assert_eq!(json(&out)["pins"][0]["result"], "outcome_unknown");
    assert!(err.contains("may have been counted"), "{err}");
    assert!(err.contains("jpki status"), "{err}");
    // Nothing was being changed: the message does not say it might have been.
    assert!(!err.contains("may or may not have changed"), "{err}");
}

#[test]
fn juki_is_checked_in_both_key_references_only_with_experimental() {
    let out = jpki()
        .args(["--replay", "/nonexistent/jpki.trace"])
        .args(["verify-pin", "--stdin", "juki"])
        .write_stdin(pin_line())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(20), "{err}");
    assert!(
        err.contains("checking the juki PIN is experimental"),
        "{err}"
    );
    assert!(err.contains("--experimental"), "{err}");
    let Run { stdout: out, .. } = verify(
        "success-juki.trace",
        &["--json", "verify-pin", "--stdin", "--experimental", "juki"],
        &pin_line(),
    )
    .assert_exit(0);
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["tries_left"], 3);
    assert_eq!(pin["key_refs"][0]["result"], "verified");
    assert_eq!(pin["key_refs"][1]["result"], "verified");
}

#[test]
fn juki_stops_at_the_first_key_reference_that_refuses_the_pin() {
    verify(
        "juki-wrong-at-common.trace",
        &["verify-pin", "--stdin", "--experimental", "juki"],
        &pin_line(),
    )
    .assert_exit(13)
    .assert_stdout_contains("住基AP: right")
    .assert_stdout_contains("共通AP: wrong");
    let Run { stdout: out, .. } = verify(
        "juki-wrong-at-common.trace",
        &["--json", "verify-pin", "--stdin", "--experimental", "juki"],
        &pin_line(),
    );
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["result"], "wrong_pin");
    assert_eq!(pin["tries_left"], 1);
    assert_eq!(pin["key_refs"][0]["tries_left"], 3);
    assert_eq!(pin["key_refs"][1]["result"], "wrong_pin");
}

/// Bad input exits 3 without opening the trace: the trace does not exist, so opening it
/// would exit 11 instead.
#[test]
fn bad_input_never_touches_a_transport() {
    let cases: &[(&str, &str, &str)] = &[
        ("auth", "482\n", "exactly 4 digits"),
        ("auth", "４８２７\n", "full-width characters"),
        ("auth", "4827 \n", "holds a space"),
        ("sign", "ＡＢＣ１２３\n", "full-width characters"),
        ("sign", "ABC12\n", "6 to 16 characters"),
        ("sign", "abc-123\n", "only the letters A-Z"),
        ("auth", "", "found 0 line(s)"),
        ("auth", "4827\n4827\n", "exactly one line"),
        ("auth", "4827\n\n", "found 2 line(s)"),
    ];
    for (pin, stdin, says) in cases {
        let out = jpki()
            .args([
                "--replay",
                "/nonexistent/jpki.trace",
                "verify-pin",
                "--stdin",
            ])
            .arg(pin)
            .write_stdin(*stdin)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{pin} {stdin:?}: {err}");
        assert!(err.contains(says), "{pin} {stdin:?}: {err}");
        assert!(err.contains("no PIN was sent to the card"), "{err}");
    }
    // Exactly one PIN, never its value on the command line.
    for args in [
        &["verify-pin"][..],
        &["verify-pin", "auth", "kenhojo"],
        &["verify-pin", "auth", "4827"],
    ] {
        let out = jpki().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_lower_case_sign_password_is_taken_and_sent_once() {
    let (Run { code, .. }, written) = replay_recorded(
        &trace("verify-pin/success-sign.trace"),
        &["verify-pin", "--stdin", "sign"],
        "kq7zx93w\n",
    );
    assert_eq!(code, 0);
    let written = written.unwrap();
    assert_no_pin("trace", &written, &["kq7zx93w", "KQ7ZX93W"]);
    assert_eq!(written.matches("> 00 20 00 80 08 ??").count(), 1);
}

/// Like [`verify`], with `--record`: also the trace jpki wrote of what it sent.
fn verify_recorded(trace_name: &str, args: &[&str]) -> (Run, String) {
    let replayed = trace(&format!("verify-pin/{trace_name}"));
    let (ran, written) = replay_recorded(&replayed, args, &pin_line());
    let written = written.expect("jpki wrote no trace");
    assert_no_pin("trace", &written, &[PIN]);
    (ran, written)
}

/// How many commands of a recorded trace carry a PIN (their bytes are `??`).
fn pins_sent(recorded: &str) -> usize {
    pin_commands(recorded).len()
}

#[test]
fn not_issued_verify_pin_on_a_card_without_the_kenhojo_application_is_never_locked() {
    let (
        Run {
            code,
            stdout: out,
            stderr: err,
        },
        recorded,
    ) = verify_recorded(
        "kenhojo-not-issued.trace",
        &["verify-pin", "--stdin", "kenhojo"],
    );
    assert_eq!(code, 17, "{err}");
    assert!(err.contains("this card has no kenhojo PIN"), "{err}");
    assert!(out.contains("not on this card"), "{out}");
    assert!(!out.to_lowercase().contains("locked"), "{out}");
    assert!(!err.to_lowercase().contains("locked"), "{err}");
    assert_eq!(pins_sent(&recorded), 0, "{recorded}");
    let Run {
        code, stdout: out, ..
    } = verify(
        "kenhojo-not-issued.trace",
        &["--json", "verify-pin", "--stdin", "kenhojo"],
        &pin_line(),
    );
    assert_eq!(code, 17);
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["result"], "not_issued");
    assert_eq!(pin["verified"], false);
    assert_eq!(pin["tries_left"], serde_json::Value::Null);
    assert_eq!(pin["reason"], "not_issued");
}

#[test]
fn retry_a_verify_answered_6d00_is_not_sent_again() {
    // The trace ends at the 6D 00: a second VERIFY would run past its end.
    let (
        Run {
            code, stderr: err, ..
        },
        recorded,
    ) = verify_recorded("verify-6d00.trace", &["verify-pin", "--stdin", "auth"]);
    assert_eq!(code, 12, "{err}");
    assert!(err.contains("answered 6D 00 to VERIFY"), "{err}");
    assert_eq!(pins_sent(&recorded), 1, "{recorded}");
    assert_eq!(recorded.lines().filter(|l| l.starts_with('>')).count(), 4);
    let Run { stdout: out, .. } = verify(
        "verify-6d00.trace",
        &["--json", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    );
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["verified"], false);
    assert_eq!(pin["result"], "error");
}

#[test]
fn guard_first_a_locked_juki_key_reference_stops_the_check_before_the_pin_is_sent() {
    let (
        Run {
            code,
            stdout: out,
            stderr: err,
        },
        recorded,
    ) = verify_recorded(
        "juki-common-locked.trace",
        &["--json", "verify-pin", "--stdin", "--experimental", "juki"],
    );
    assert_eq!(code, 15, "{err}");
    assert!(err.contains("no PIN was sent"), "{err}");
    // The 住基 AP's key reference is full, and it was not sent the PIN either.
    assert_eq!(pins_sent(&recorded), 0, "{recorded}");
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["result"], "locked");
    assert_eq!(pin["tries_left"], 0);
    assert_eq!(pin["key_refs"][0]["result"], "not_attempted");
    assert_eq!(pin["key_refs"][1]["result"], "locked");
}

#[test]
fn outcome_a_wrong_pin_answer_with_more_tries_than_the_maximum_is_shown_as_it_is() {
    // 63 C3 after a VERIFY carrying the PIN of a 3-try PIN: no wrong entry leaves 3 tries.
    let (
        Run {
            code, stderr: err, ..
        },
        recorded,
    ) = verify_recorded("verify-63c3.trace", &["verify-pin", "--stdin", "auth"]);
    assert_eq!(code, 12, "{err}");
    assert!(err.contains("answered 63 C3 to VERIFY"), "{err}");
    assert!(!err.contains("wrong"), "{err}");
    assert!(!err.contains("no PIN was sent"), "{err}");
    assert_eq!(pins_sent(&recorded), 1, "{recorded}");
    let Run { stdout: out, .. } = verify(
        "verify-63c3.trace",
        &["--json", "verify-pin", "--stdin", "auth"],
        &pin_line(),
    );
    let pin = &json(&out)["pins"][0];
    assert_eq!(pin["verified"], false);
    assert_eq!(pin["result"], "error");
    assert_eq!(pin["tries_left"], serde_json::Value::Null);
}
