//! `jpki status` against recorded traces: the exchange, the states, the output and exit codes.

use crate::util::{
    answering, commands_in, id_of, jpki, json, one_apdu_off, pin_entries, replay, replay_text,
    trace, trace_text, Run,
};

/// (id, tries_left, state) of each of the four entries.
fn pins(trace: &str) -> Vec<(String, Option<u64>, String)> {
    let Run { stdout: out, .. } =
        replay(trace, &["--json", "status", "--pins-only"]).assert_exit(0);
    pin_entries(&json(&out))
        .iter()
        .map(|p| {
            (
                id_of(p),
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
    // One juki application missing: the other's counter alone.
    assert_eq!(
        pins("status/no-juki-ap.trace")[2],
        row("juki", Some(3), "ok")
    );
    assert_eq!(
        pins("status/no-common-ap.trace")[2],
        row("juki", Some(3), "ok")
    );
    assert_eq!(
        pins("status/sign-not-issued.trace")[0],
        row("sign", None, "not_issued")
    );
}

#[test]
fn an_unexpected_answer_is_an_error_with_its_status_word_never_zero_tries() {
    let Run {
        code, stdout: out, ..
    } = replay(
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
    let Run { stdout: out, .. } =
        replay("status/fresh.trace", &["--json", "status", "--pins-only"]);
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
    let Run {
        stdout: out,
        stderr: err,
        ..
    } = replay("status/not-my-number-card.trace", &["status"]).assert_exit(8);
    assert!(out.is_empty());
    assert!(err.contains("not a My Number card"), "{err}");
    assert!(err.contains("6A 82"), "{err}");
    // It may be a card generation this version does not know: the words allow for it.
    assert!(
        err.contains("a generation this version does not know"),
        "{err}"
    );
    let Run { stderr: ja, .. } = replay(
        "status/not-my-number-card.trace",
        &["--lang", "ja", "status"],
    )
    .assert_exit(8);
    assert!(ja.contains("新しい世代"), "{ja}");
    let Run { stdout: out, .. } =
        replay("status/not-my-number-card.trace", &["--json", "status"]).assert_exit(8);
    let v = crate::util::json(&out);
    assert_eq!(v["error"]["code"], "not_my_number_card");
    assert_eq!(v["error"]["card_kind"], "unknown");
    assert_eq!(v["error"]["reason"], "no_jpki_application");
}

#[test]
fn human_output_in_english_and_japanese() {
    let Run { stdout: en, .. } = replay(
        "status/some-tries-used.trace",
        &["--lang", "en", "status", "--pins-only"],
    );
    assert!(en.contains("Signature password (sign)"), "{en}");
    assert!(
        en.lines()
            .any(|l| l.contains("(auth)") && l.contains("1/3") && l.contains("LAST TRY")),
        "{en}"
    );
    let Run { stdout: ja, .. } = replay(
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
    let out = jpki()
        .env("LANG", "ja_JP.UTF-8")
        .args(["--replay"])
        .arg(trace("status/fresh.trace"))
        .args(["status", "--pins-only"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout.contains("住民基本台帳用暗証番号"), "{stdout}");
    assert!(stdout.contains("残り回数"), "{stdout}");
    // Every PIN row is Japanese: no English label is left over.
    assert!(!stdout.contains("Signature password"), "{stdout}");
}

#[test]
fn not_issued_a_card_without_the_kenhojo_application_is_never_locked() {
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = replay(
        "status/no-kenhojo-application.trace",
        &["--json", "status", "--pins-only"],
    );
    assert_eq!(code, 0, "{err}");
    let kenhojo = &json(&out)["pins"][3];
    assert_eq!(kenhojo["id"], "kenhojo");
    assert_eq!(kenhojo["state"], "not_issued");
    // No counter at all, not a counter at 0.
    assert_eq!(kenhojo["tries_left"], serde_json::Value::Null);
    assert_eq!(kenhojo["next_step"], "city_office");
    assert_eq!(kenhojo["reason"], "not_issued");
    // The other PINs are read as usual.
    assert_eq!(
        pins("status/no-kenhojo-application.trace")[..3],
        [
            row("sign", Some(5), "ok"),
            row("auth", Some(3), "ok"),
            row("juki", Some(3), "ok"),
        ]
    );
    for (lang, not_issued, locked) in [("en", "not issued", "locked"), ("ja", "未発行", "ロック")]
    {
        let Run { stdout: text, .. } = replay(
            "status/no-kenhojo-application.trace",
            &["--lang", lang, "status", "--pins-only"],
        )
        .assert_exit(0);
        let line = text
            .lines()
            .find(|l| l.contains("(kenhojo)") || l.starts_with("券面事項入力補助用暗証番号"))
            .unwrap_or_else(|| panic!("no kenhojo row: {text}"));
        assert!(line.contains(not_issued), "{line}");
        assert!(!text.to_lowercase().contains(locked), "{text}");
    }
}

/// The canonical `status --pins-only` exchange of docs/protocol.md, byte for byte, in order.
const FOURTEEN: [&str; 14] = [
    "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01",
    "00 A4 02 0C 02 00 1B",
    "00 20 00 80",
    "00 A4 02 0C 02 00 18",
    "00 20 00 80",
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01",
    "00 A4 02 0C 02 00 1C",
    "00 20 00 80",
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00",
    "00 A4 02 0C 02 00 1C",
    "00 20 00 80",
    "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08",
    "00 A4 02 0C 02 00 11",
    "00 20 00 80",
];

/// `status --pins-only` over a trace answering `commands` ([`answering`]): (exit code, stderr).
fn pins_only_over(commands: &[&str]) -> (i32, String) {
    let Run {
        code, stderr: err, ..
    } = replay_text(&answering(commands), &["status", "--pins-only"], "");
    (code, err)
}

#[test]
fn status_is_exactly_the_fourteen_apdu_exchange() {
    let (code, err) = pins_only_over(&FOURTEEN);
    assert_eq!(code, 0, "{err}");
    // The bundled trace is that exchange too.
    assert_eq!(commands_in(&trace_text("status/fresh.trace")), FOURTEEN);
    // Plain status reads more (the token and the auth certificate), so it leaves this trace.
    let Run {
        code, stderr: err, ..
    } = replay("status/fresh.trace", &["status"]);
    assert_eq!(code, 11, "{err}");
}

#[test]
fn an_added_missing_or_reordered_apdu_fails_the_status_exchange() {
    for commands in one_apdu_off(&FOURTEEN, |a, b| a == b) {
        let (code, err) = pins_only_over(&commands);
        assert_eq!(code, 11, "{commands:?} replayed: {err}");
    }
}

#[test]
fn the_juki_pin_is_the_lower_of_its_two_counters_and_json_lists_both() {
    let Run { stdout: out, .. } = replay(
        "status/juki-counters-differ.trace",
        &["--json", "status", "--pins-only"],
    )
    .assert_exit(0);
    let juki = &json(&out)["pins"][2];
    assert_eq!(juki["tries_left"], 2);
    assert_eq!(juki["state"], "ok");
    let keys: Vec<(String, String, serde_json::Value, String)> = juki["key_refs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["application"].as_str().unwrap().to_string(),
                k["aid"].as_str().unwrap().to_string(),
                k["tries_left"].clone(),
                k["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            (
                "juki_ap".to_string(),
                "D3921000310001010401".to_string(),
                serde_json::json!(3),
                "ok".to_string()
            ),
            (
                "common_ap".to_string(),
                "D3921000310001010100".to_string(),
                serde_json::json!(2),
                "ok".to_string()
            ),
        ]
    );
    // Only the juki PIN has key_refs: the others have one key reference each.
    assert!(json(&out)["pins"][0]["key_refs"].is_null());
    for lang in ["en", "ja"] {
        let Run { stdout: text, .. } = replay(
            "status/juki-counters-differ.trace",
            &["--lang", lang, "status", "--pins-only"],
        );
        let line = text.lines().find(|l| l.contains("2/3")).unwrap();
        assert!(line.contains("住基AP 3 / 共通AP 2"), "{text}");
    }
    // Agreeing counters show one number.
    let Run { stdout: text, .. } = replay("status/fresh.trace", &["status", "--pins-only"]);
    assert!(!text.contains("住基AP"), "{text}");
}

#[test]
fn an_absent_juki_application_is_listed_as_not_issued_in_key_refs() {
    let Run { stdout: out, .. } = replay(
        "status/no-juki-ap.trace",
        &["--json", "status", "--pins-only"],
    );
    let keys = json(&out)["pins"][2]["key_refs"].clone();
    assert_eq!(keys[0]["application"], "juki_ap");
    assert_eq!(keys[0]["state"], "not_issued");
    assert_eq!(keys[0]["tries_left"], serde_json::Value::Null);
    assert_eq!(keys[0]["sw"], serde_json::Value::Null);
    assert_eq!(keys[1]["state"], "ok");
}

#[test]
fn a_juki_counter_jpki_cannot_read_makes_juki_an_error_not_a_number() {
    let Run {
        code, stdout: out, ..
    } = replay(
        "status/juki-one-unreadable.trace",
        &["--json", "status", "--pins-only"],
    );
    assert_eq!(code, 0);
    let juki = &json(&out)["pins"][2];
    assert_eq!(juki["state"], "error");
    assert_eq!(juki["tries_left"], serde_json::Value::Null);
    assert_eq!(juki["sw"], "9000");
    assert_eq!(juki["key_refs"][0]["sw"], "9000");
    assert_eq!(juki["key_refs"][1]["tries_left"], 3);
}

#[test]
fn a_locked_key_reference_locks_juki_whatever_the_other_says() {
    let text = trace_text("status/juki-counters-differ.trace").replacen("< 63 C2", "< 63 C0", 1);
    let Run { stdout: out, .. } = replay_text(&text, &["--json", "status", "--pins-only"], "");
    let v = json(&out);
    assert_eq!(v["pins"][2]["state"], "locked");
    assert_eq!(v["pins"][2]["tries_left"], 0);
}
