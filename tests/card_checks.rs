//! Plain `status`'s card checks (the token and the auth certificate), `readers`' probe,
//! `doctor` and `--wait`, against apdu-traces/card/ and without hardware.

use crate::util::{
    commands_in, jpki, json, replay, replay_recorded, status_json, trace_file, trace_text, Run,
};

#[test]
fn a_my_number_card_shows_its_kind_and_certificate_expiry() {
    let v = status_json("card/my-number-card.trace", "2026-11-25");
    assert_eq!(v["card_kind"], "my_number_card");
    assert_eq!(v["token"], "JPKIAPICCTOKEN2");
    assert_eq!(v["auth_certificate"]["not_after"], "2031-03-31");
    assert_eq!(v["auth_certificate"]["days_left"], 1587);
    assert_eq!(v["auth_certificate"]["state"], "valid");
    let Run { stdout: en, .. } = replay(
        "card/my-number-card.trace",
        &["--today", "2026-11-25", "--lang", "en", "status"],
    );
    assert!(en.contains("Card: My Number card"), "{en}");
    assert!(
        en.contains("valid until 2031-03-31 (1587 days left)"),
        "{en}"
    );
    let Run { stdout: ja, .. } = replay(
        "card/my-number-card.trace",
        &["--today", "2026-11-25", "--lang", "ja", "status"],
    );
    assert!(ja.contains("カードの種類: マイナンバーカード"), "{ja}");
    assert!(ja.contains("2031-03-31 (あと1587日)"), "{ja}");
}

#[test]
fn within_ninety_days_status_warns() {
    let v = status_json("guidance/expires-soon.trace", "2031-02-01");
    assert_eq!(v["auth_certificate"]["days_left"], 58);
    assert_eq!(v["auth_certificate"]["state"], "expires_soon");
    let Run { stdout: en, .. } = replay(
        "guidance/expires-soon.trace",
        &["--today", "2031-02-01", "--lang", "en", "status"],
    );
    assert!(en.contains("within 90 days"), "{en}");
}

#[test]
fn an_expired_certificate_says_a_correct_pin_still_fails() {
    let v = status_json("card/expired-certificate.trace", "2026-11-25");
    assert_eq!(v["auth_certificate"]["not_after"], "2025-03-31");
    assert_eq!(v["auth_certificate"]["days_left"], -604);
    assert_eq!(v["auth_certificate"]["state"], "expired");
    let Run { stdout: en, .. } = replay(
        "card/expired-certificate.trace",
        &["--today", "2026-11-25", "--lang", "en", "status"],
    );
    assert!(en.contains("even a correct PIN fails"), "{en}");
    assert!(en.contains("city office"), "{en}");
    let Run { stdout: ja, .. } = replay(
        "card/expired-certificate.trace",
        &["--today", "2026-11-25", "--lang", "ja", "status"],
    );
    assert!(ja.contains("正しい暗証番号を入れても失敗"), "{ja}");
}

#[test]
fn each_token_kind_is_named() {
    let kind = |trace| status_json(trace, "2026-11-25")["card_kind"].clone();
    assert_eq!(kind("card/juki-card.trace"), "juki_card");
    assert_eq!(kind("card/smartphone.trace"), "smartphone");
    assert_eq!(kind("card/unknown-token.trace"), "not_jpki");
    assert_eq!(kind("card/no-token-no-certificate.trace"), "unreadable");
}

#[test]
fn a_smartphone_certificate_is_not_read_without_its_pin() {
    let v = status_json("card/smartphone.trace", "2026-11-25");
    assert_eq!(v["auth_certificate"]["error"], "needs_pin");
    assert_eq!(v["pins"][2]["state"], "not_issued");
}

#[test]
fn the_virtual_card_serves_an_ec_certificate_and_the_card_expiry() {
    // The TEST ONLY P-384 fixture, loaded into the virtual card: read like the RSA one.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("card.state");
    let ec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/jpki-vcard/fixtures/auth-cert-ec-p384.der"
    );
    crate::util::vcard_init(&state, &["--auth-certificate", ec]);
    let Run { stdout, .. } = crate::util::run(jpki().args([
        "--virtual-card",
        state.to_str().unwrap(),
        "--today",
        "2026-11-25",
        "--json",
        "status",
    ]))
    .assert_exit(0);
    let v = crate::util::json(&stdout);
    assert_eq!(v["auth_certificate"]["not_after"], "2031-03-31");
    assert_eq!(v["card_expiry"]["date"], "2036-03-31");
    assert_eq!(v["pins"][0]["tries_left"], 5);
}

#[test]
fn the_renewal_window_is_shown_with_the_expiry() {
    let v = status_json("card/my-number-card.trace", "2026-11-25");
    assert_eq!(v["auth_certificate"]["renewal_opens"], "2031-01-01");
    let en = |today: &str| {
        replay(
            "card/my-number-card.trace",
            &["--today", today, "--lang", "en", "status"],
        )
        .assert_exit(0)
        .stdout
    };
    assert!(en("2026-11-25").contains("Renewal opens on 2031-01-01"));
    assert!(en("2031-01-01").contains("Renewal is open since 2031-01-01"));
    let Run { stdout: ja, .. } = replay(
        "card/my-number-card.trace",
        &["--today", "2026-11-25", "--lang", "ja", "status"],
    );
    assert!(ja.contains("更新手続きは2031-01-01から"), "{ja}");
    // Expired: the JSON keeps the day; the text has no window line, only the renewal advice.
    let v = status_json("card/expired-certificate.trace", "2026-11-25");
    assert_eq!(v["auth_certificate"]["renewal_opens"], "2025-01-01");
    let Run {
        stdout: expired, ..
    } = replay(
        "card/expired-certificate.trace",
        &["--today", "2026-11-25", "--lang", "en", "status"],
    );
    assert!(!expired.contains("Renewal opens"), "{expired}");
}

#[test]
fn the_cards_own_expiry_is_read_from_the_common_ap_and_labelled() {
    let v = status_json("card/my-number-card.trace", "2026-11-25");
    assert_eq!(v["card_expiry"]["date"], "2036-03-31");
    assert_eq!(v["card_expiry"]["source"], "common_ap_ef_0001");
    assert!(v["card_expiry"]["error"].is_null());
    let Run { stdout: en, .. } = replay(
        "card/my-number-card.trace",
        &["--today", "2026-11-25", "--lang", "en", "status"],
    )
    .assert_exit(0);
    assert!(en.contains("Card valid until 2036-03-31"), "{en}");
    assert!(en.contains("one public source"), "{en}");
    let Run { stdout: ja, .. } = replay(
        "card/my-number-card.trace",
        &["--today", "2026-11-25", "--lang", "ja", "status"],
    );
    assert!(ja.contains("カードの有効期限: 2036-03-31"), "{ja}");
}

#[test]
fn a_card_that_tells_no_expiry_is_no_error() {
    for (trace, error, sw) in [
        ("card/card-expiry-refused.trace", "refused", Some("6A82")),
        ("card/card-expiry-odd-record.trace", "not_the_layout", None),
        ("card/card-expiry-no-sw.trace", "malformed", None),
    ] {
        let v = status_json(trace, "2026-11-25");
        assert!(v["card_expiry"]["date"].is_null(), "{trace}");
        assert_eq!(v["card_expiry"]["error"], error, "{trace}");
        assert_eq!(v["card_expiry"]["sw"].as_str(), sw, "{trace}");
        // The counters after it are read all the same.
        assert_eq!(v["pins"][2]["tries_left"], 3, "{trace}");
        assert_eq!(v["pins"][3]["tries_left"], 3, "{trace}");
    }
    // No 共通AP (a smartphone): nothing asked, nothing wrong.
    let v = status_json("card/smartphone.trace", "2026-11-25");
    assert_eq!(v["card_expiry"]["error"], "no_application");
    // --pins-only reads no more than its 14 APDUs: no card expiry.
    let Run { stdout, .. } =
        replay("status/fresh.trace", &["--json", "status", "--pins-only"]).assert_exit(0);
    assert!(crate::util::json(&stdout)["card_expiry"].is_null());
}

#[test]
fn an_iphone_token_is_a_smartphone_whose_certificate_is_not_read() {
    // The trace has no READ of EF 00 0A: a replay that read it would run past the trace.
    let v = status_json("card/iphone.trace", "2026-11-25");
    assert_eq!(v["card_kind"], "smartphone");
    assert_eq!(v["token"], "JPKIAPIOSTOKEN");
    assert_eq!(v["auth_certificate"]["error"], "needs_pin");
    let Run { stdout: en, .. } = replay(
        "card/iphone.trace",
        &["--today", "2026-11-25", "--lang", "en", "status"],
    )
    .assert_exit(0);
    assert!(en.contains("iPhone"), "{en}");
    assert!(en.contains("one public source"), "{en}");
    // A smartphone has only the JPKI PINs: nothing to ask the city office about the others.
    assert!(!en.contains("ask your city office"), "{en}");
}

#[test]
fn an_ecdsa_p384_auth_certificate_is_read_like_an_rsa_one() {
    let v = status_json("card/ec-certificate.trace", "2026-11-25");
    assert_eq!(v["card_kind"], "my_number_card");
    assert_eq!(v["auth_certificate"]["not_after"], "2031-03-31");
    assert_eq!(v["auth_certificate"]["state"], "valid");
    assert!(v["auth_certificate"]["error"].is_null());
}

#[test]
fn failed_token_or_certificate_reads_are_reported_and_the_pins_still_shown() {
    let v = status_json("card/no-token-no-certificate.trace", "2026-11-25");
    assert_eq!(v["auth_certificate"]["error"], "refused");
    assert_eq!(v["auth_certificate"]["sw"], "6A82");
    assert_eq!(v["pins"][0]["tries_left"], 5);
    let v = status_json("card/lying-certificate-header.trace", "2026-11-25");
    assert_eq!(v["auth_certificate"]["error"], "too_long");
    assert_eq!(v["pins"][3]["tries_left"], 3);
}

/// Run plain `status` over the trace text `text` with `--record`; (exit code, stderr, the
/// commands jpki sent as the recording lists them).
fn plain_status_over(text: &str) -> (i32, String, Vec<String>) {
    let (_dir, replayed) = trace_file(text);
    let args = ["--today", "2026-11-25", "--json", "status"];
    let (
        Run {
            code, stderr: err, ..
        },
        written,
    ) = replay_recorded(&replayed, &args, "");
    (code, err, commands_in(&written.unwrap_or_default()))
}

#[test]
fn plain_status_adds_token_and_certificate_reads_to_the_fourteen() {
    let text = trace_text("card/my-number-card.trace");
    // Replayed through jpki: the replay fails the run on a command it does not expect, on one
    // past its end (even when jpki drops that error) and on an exchange left unused, so exit 0
    // means jpki sent exactly the trace's commands, and the recording lists them.
    let (code, err, sent) = plain_status_over(&text);
    assert_eq!(code, 0, "{err}");
    // 14 for the counters; 2 for the token; for the 1629-byte test certificate 1 SELECT, the
    // 4-byte header read and 7 READ BINARY of up to 256 bytes; 2 for the card's expiry.
    assert_eq!(sent.len(), 14 + 2 + 1 + 1 + 7 + 2, "{sent:#?}");
    let common = sent
        .iter()
        .position(|c| c == "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00")
        .unwrap();
    assert_eq!(
        sent[common + 1..common + 3],
        ["00 A4 02 0C 02 00 01", "00 B2 01 04 00"],
        "the card information right after SELECT 共通 AP"
    );
    assert_eq!(
        sent[1], "00 A4 02 0C 02 00 06",
        "the token EF right after SELECT JPKI AP"
    );
    assert_eq!(
        sent[3], "00 A4 02 0C 02 00 0A",
        "then the auth certificate EF"
    );
    assert_eq!(
        sent.iter().filter(|c| c.starts_with("00 B0")).count(),
        1 + 1 + 7,
        "READ BINARY: the token, the certificate's header, its chunks"
    );
    // One exchange less, or one more, and the same run fails.
    let exchanges = text.lines().filter(|l| l.starts_with('>')).count();
    let cut = text
        .rsplit_once("\n>")
        .map(|(head, _)| format!("{head}\n"))
        .unwrap();
    assert_eq!(
        cut.lines().filter(|l| l.starts_with('>')).count(),
        exchanges - 1
    );
    let (code, err, _) = plain_status_over(&cut);
    assert_eq!(code, 11, "one exchange short: {err}");
    let longer = format!("{text}> 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n< 90 00\n");
    let (code, err, _) = plain_status_over(&longer);
    assert_eq!(code, 11, "one exchange more: {err}");
}

#[test]
fn readers_probes_the_token_of_a_present_card() {
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = replay("card/probe-my-number-card.trace", &["--json", "readers"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["readers"][0]["card_kind"], "my_number_card");
    assert_eq!(v["readers"][0]["token"], "JPKIAPICCTOKEN2");
    let Run { stdout: out, .. } =
        replay("card/probe-smartphone.trace", &["--lang", "en", "readers"]);
    assert!(out.contains("Smartphone JPKI certificate"), "{out}");
    // A failed probe is reported on its reader, and `readers` still succeeds.
    let Run {
        code, stdout: out, ..
    } = replay(
        "card/probe-not-my-number-card.trace",
        &["--json", "readers"],
    );
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["readers"][0]["card_kind"], serde_json::Value::Null);
    assert!(v["readers"][0]["probe_error"]
        .as_str()
        .unwrap()
        .contains("not a My Number card"));
}

#[test]
fn readers_says_a_card_lost_during_the_probe_was_not_read_never_that_it_has_no_jpki_application() {
    for (lang, lost, wrong) in [
        ("en", "not read", "no JPKI application"),
        ("ja", "読み取れません", "公的個人認証APを選択できません"),
    ] {
        let Run { stdout: out, .. } = replay(
            "card/probe-card-removed.trace",
            &["--lang", lang, "readers"],
        )
        .assert_exit(0);
        assert!(out.contains(lost), "{out}");
        assert!(!out.contains(wrong), "{out}");
    }
    replay(
        "card/probe-not-my-number-card.trace",
        &["--lang", "en", "readers"],
    )
    .assert_stdout_contains("unknown kind (no JPKI application answered)");
}

#[test]
fn doctor_passes_on_a_my_number_card() {
    let Run { stdout: out, .. } = replay(
        "card/probe-my-number-card.trace",
        &["--lang", "en", "doctor"],
    )
    .assert_exit(0);
    assert!(out.lines().all(|l| l.starts_with("OK ")), "{out}");
    assert!(out.contains("My Number card"), "{out}");
}

#[test]
fn doctor_fails_with_19_on_a_card_without_the_jpki_application() {
    let Run {
        code, stdout: out, ..
    } = replay(
        "card/probe-not-my-number-card.trace",
        &["--json", "--lang", "en", "doctor"],
    );
    assert_eq!(code, 19);
    let v = json(&out);
    assert_eq!(v["ok"], false);
    let last = v["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["id"], "jpki_application");
    assert_eq!(last["ok"], false);
    assert!(last["fix"].as_str().unwrap().contains("My Number card"));
}

#[test]
fn doctor_without_pcscd_names_the_fix_and_exits_19() {
    let out = jpki()
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .args(["--lang", "en", "doctor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(19));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("FAIL  PC/SC service"), "{text}");
    assert!(text.contains("pcscd"), "{text}");
}

#[test]
fn wait_without_pcscd_is_the_service_error_not_a_hang() {
    let out = jpki()
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .args(["--wait=1", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn wait_is_ignored_by_a_replay() {
    let Run { stderr: err, .. } =
        replay("status/fresh.trace", &["--wait=1", "status", "--pins-only"]).assert_exit(0);
    assert!(err.is_empty(), "{err}");
}
