//! `jpki status` against recorded traces: the exchange, the states, the output and exit codes.

mod common;
use common::{json, replay};

/// (id, tries_left, state) of each of the four entries.
fn pins(trace: &str) -> Vec<(String, Option<u64>, String)> {
    let (code, out, err) = replay(trace, &["--json", "status", "--pins-only"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    v["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["tries_left"].as_u64(),
                p["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row(id: &str, tries: Option<u64>, state: &str) -> (String, Option<u64>, String) {
    (id.to_string(), tries, state.to_string())
}

#[test]
fn a_fresh_card_shows_every_counter_full() {
    assert_eq!(
        pins("status/fresh.trace"),
        vec![
            row("sign", Some(5), "ok"),
            row("auth", Some(3), "ok"),
            row("juki", Some(3), "ok"),
            row("kenhojo", Some(3), "ok"),
        ]
    );
}

#[test]
fn used_tries_and_the_last_try_are_reported() {
    assert_eq!(
        pins("status/some-tries-used.trace"),
        vec![
            row("sign", Some(3), "ok"),
            row("auth", Some(1), "last_try"),
            row("juki", Some(2), "ok"),
            row("kenhojo", Some(3), "ok"),
        ]
    );
}

#[test]
fn every_locked_form_reads_as_locked_and_exits_zero() {
    assert_eq!(
        pins("status/locked-63c0.trace")[1],
        row("auth", Some(0), "locked")
    );
    assert_eq!(
        pins("status/locked-6983.trace")[2],
        row("juki", Some(0), "locked")
    );
    assert_eq!(
        pins("status/locked-6984.trace")[0],
        row("sign", Some(0), "locked")
    );
}

#[test]
fn missing_application_or_pin_file_is_not_issued_not_locked() {
    assert_eq!(
        pins("status/no-juki-application.trace")[2],
        row("juki", None, "not_issued")
    );
    assert_eq!(
        pins("status/sign-not-issued.trace")[0],
        row("sign", None, "not_issued")
    );
}

#[test]
fn an_unexpected_answer_is_an_error_with_its_status_word_never_zero_tries() {
    let (code, out, _) = replay(
        "status/unexpected-answer.trace",
        &["--json", "status", "--pins-only"],
    );
    assert_eq!(code, 0);
    let kenhojo = &json(&out)["pins"][3];
    assert_eq!(kenhojo["state"], "error");
    assert_eq!(kenhojo["tries_left"], serde_json::Value::Null);
    assert_eq!(kenhojo["sw"], "9000");
}

#[test]
fn json_has_the_reader_and_max_tries() {
    let (_, out, _) = replay("status/fresh.trace", &["--json", "status", "--pins-only"]);
    let v = json(&out);
    assert_eq!(v["reader"], "jpki Virtual Card 00 00");
    let max: Vec<u64> = v["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["max_tries"].as_u64().unwrap())
        .collect();
    assert_eq!(max, vec![5, 3, 3, 3]);
}

#[test]
fn a_card_without_the_jpki_application_is_not_a_my_number_card() {
    let (code, out, err) = replay("status/not-my-number-card.trace", &["status"]);
    assert_eq!(code, 8, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("not a My Number card"), "{err}");
    assert!(err.contains("6A 82"), "{err}");
}

#[test]
fn human_output_in_english_and_japanese() {
    let (_, en, _) = replay(
        "status/some-tries-used.trace",
        &["--lang", "en", "status", "--pins-only"],
    );
    assert!(en.contains("Signature password (sign)"), "{en}");
    assert!(
        en.lines()
            .any(|l| l.contains("(auth)") && l.contains("1/3") && l.contains("LAST TRY")),
        "{en}"
    );
    let (_, ja, _) = replay(
        "status/some-tries-used.trace",
        &["--lang", "ja", "status", "--pins-only"],
    );
    assert!(
        ja.lines()
            .any(|l| l.starts_with("署名用電子証明書のパスワード")
                && l.contains("3/5")
                && l.contains("正常")),
        "{ja}"
    );
    assert!(
        ja.lines()
            .any(|l| l.starts_with("利用者証明用電子証明書の暗証番号") && l.contains("残り1回")),
        "{ja}"
    );
}

#[test]
fn the_locale_chooses_japanese_when_no_flag_is_given() {
    let out = common::jpki()
        .env("LANG", "ja_JP.UTF-8")
        .args(["--replay"])
        .arg(common::trace("status/fresh.trace"))
        .args(["status", "--pins-only"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("住民基本台帳用暗証番号"));
}

#[test]
fn status_is_exactly_the_eleven_apdu_exchange() {
    // Replay fails on any extra, missing or reordered command, so a pass means these 11 exactly.
    let text = std::fs::read_to_string(common::trace("status/fresh.trace")).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with('>')).count(), 11);
    let (code, _, err) = replay("status/fresh.trace", &["status", "--pins-only"]);
    assert_eq!(code, 0, "{err}");
    // Plain status reads more (the token and the auth certificate), so it leaves this trace.
    let (code, _, err) = replay("status/fresh.trace", &["status"]);
    assert_eq!(code, 11, "{err}");
}
