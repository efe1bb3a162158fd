//! Guidance in `status`: the next step for every locked, last-try or missing PIN, in JSON ids and
//! in both languages, with plain status's full traces (apdu-traces/guidance/).

use crate::util::{json, pin_entries, replay, status_json, Run};
use serde_json::Value;

const TODAY: &str = "2026-11-25";

/// (next_step, reason, if_locked, same_value_hint) for each PIN.
fn steps(trace: &str) -> Vec<(String, Value, Value, bool)> {
    pin_entries(&status_json(trace, TODAY))
        .iter()
        .map(|p| {
            (
                p["next_step"].as_str().unwrap().to_string(),
                p["reason"].clone(),
                p.get("if_locked").cloned().unwrap_or(Value::Null),
                p["same_value_hint"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn next_steps(trace: &str) -> Vec<String> {
    steps(trace).into_iter().map(|s| s.0).collect()
}

fn text(trace: &str, lang: &str) -> String {
    let Run { stdout: out, .. } =
        replay(trace, &["--today", TODAY, "--lang", lang, "status"]).assert_exit(0);
    out
}

#[test]
fn a_fresh_card_has_nothing_to_do() {
    assert_eq!(next_steps("card/my-number-card.trace"), vec!["none"; 4]);
    assert!(!text("card/my-number-card.trace", "en").contains("What to do"));
    assert!(!text("card/my-number-card.trace", "ja").contains("対処方法"));
}

#[test]
fn sign_locked_while_auth_works_is_a_kiosk_reset() {
    let s = steps("guidance/sign-locked.trace");
    assert_eq!(s[0].0, "kiosk_reset");
    assert_eq!(s[0].1, "locked");
    let en = text("guidance/sign-locked.trace", "en");
    assert!(en.contains("JPKI暗証番号リセット"), "{en}");
    assert!(en.contains("within 24 hours"), "{en}");
    assert!(en.contains("6:30-23:00"), "{en}");
    let ja = text("guidance/sign-locked.trace", "ja");
    assert!(ja.contains("JPKI暗証番号リセット"), "{ja}");
    assert!(ja.contains("24時間以内"), "{ja}");
    assert!(ja.contains("6:30〜23:00"), "{ja}");
}

#[test]
fn auth_locked_gets_the_kiosk_and_the_same_value_hint() {
    let s = steps("guidance/auth-locked.trace");
    assert_eq!(s[1].0, "kiosk_reset");
    assert!(s[1].3, "juki and kenhojo still work");
    let en = text("guidance/auth-locked.trace", "en");
    assert!(en.contains("often set to one value"), "{en}");
    let ja = text("guidance/auth-locked.trace", "ja");
    assert!(ja.contains("同じ数字"), "{ja}");
}

#[test]
fn both_jpki_pins_locked_send_the_holder_to_the_city_office() {
    assert_eq!(
        next_steps("guidance/both-jpki-locked.trace")[..2],
        ["city_office", "city_office"]
    );
    let en = text("guidance/both-jpki-locked.trace", "en");
    assert!(en.contains("identity document"), "{en}");
    assert!(en.contains("no kiosk"), "{en}");
    let ja = text("guidance/both-jpki-locked.trace", "ja");
    assert!(ja.contains("本人確認書類"), "{ja}");
}

#[test]
fn juki_and_kenhojo_are_the_city_office_only() {
    let s = steps("guidance/juki-locked.trace");
    assert_eq!(s[2].0, "city_office");
    assert_eq!(s[2].1, "locked");
    assert!(s[2].3);
    let en = text("guidance/juki-locked.trace", "en");
    assert!(en.contains("Only the city office"), "{en}");
}

#[test]
fn with_every_four_digit_pin_locked_there_is_no_same_value_hint() {
    let s = steps("guidance/all-four-digit-locked.trace");
    let got: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(got, ["none", "kiosk_reset", "city_office", "city_office"]);
    assert!(s.iter().all(|x| !x.3));
    assert!(!text("guidance/all-four-digit-locked.trace", "en").contains("one value"));
}

#[test]
fn a_last_try_says_which_route_a_lock_would_need() {
    let s = steps("guidance/last-tries.trace");
    assert_eq!(s[0].0, "avoid_wrong_entry");
    assert_eq!(s[0].2, "kiosk_reset");
    assert_eq!(s[3].0, "avoid_wrong_entry");
    assert_eq!(s[3].2, "city_office");
    let s = steps("guidance/auth-last-try-sign-locked.trace");
    assert_eq!(s[1].2, "city_office");
    let en = text("guidance/last-tries.trace", "en");
    assert!(en.contains("one more wrong entry locks it"), "{en}");
    let ja = text("guidance/last-tries.trace", "ja");
    assert!(ja.contains("次に間違えるとロック"), "{ja}");
}

#[test]
fn a_sign_pin_answering_6984_is_locked_and_goes_to_the_kiosk() {
    // Every source that names 69 84 reads it as blocked: the kiosk, as for 63 C0.
    let s = steps("guidance/sign-6984.trace");
    assert_eq!(s[0].0, "kiosk_reset");
    assert_eq!(s[0].1, "locked");
    let en = text("guidance/sign-6984.trace", "en");
    assert!(en.contains("JPKI暗証番号リセット"), "{en}");
    assert!(!en.contains("children under 15"), "{en}");
    assert!(en.contains("Seven-Eleven") && en.contains("Lawson"), "{en}");
    assert!(en.contains("after a move or a change of name"), "{en}");
    assert!(en.contains("`jpki pins`"), "{en}");
    let ja = text("guidance/sign-6984.trace", "ja");
    assert!(ja.contains("ロックされています"), "{ja}");
    assert!(ja.contains("基本4情報"), "{ja}");
    assert!(ja.contains("文書照会方式"), "{ja}");
}

#[test]
fn a_card_without_a_sign_pin_and_auth_locked_is_promised_no_kiosk() {
    // What a 顔認証マイナンバーカード answers is unknown; this is what one may look like.
    let s = steps("guidance/no-sign-auth-locked.trace");
    assert_eq!(s[0].1, "no_signature_certificate");
    assert_eq!(s[1].0, "city_office");
    assert_eq!(s[1].1, "locked");
    for lang in ["en", "ja"] {
        let out = text("guidance/no-sign-auth-locked.trace", lang);
        assert!(!out.contains("JPKI暗証番号リセット"), "{out}");
        assert!(out.contains("顔認証マイナンバーカード"), "{out}");
    }
}

#[test]
fn the_auth_pin_kiosk_advice_names_only_the_chains_that_reset_it() {
    let en = text("guidance/auth-locked.trace", "en");
    let stores = en
        .lines()
        .find(|l| l.contains("Stores whose kiosks reset the auth PIN"))
        .unwrap_or_else(|| panic!("{en}"));
    assert!(
        stores.contains("Seven-Eleven") && stores.contains("some Fuji"),
        "{stores}"
    );
    assert!(
        !stores.contains("Lawson") && !stores.contains("FamilyMart"),
        "{stores}"
    );
    assert!(stores.contains("2026-12-07"), "{stores}");
}

#[test]
fn no_signature_certificate_explains_children_adult_wards_and_face_authentication_cards() {
    let trace = "guidance/sign-not-issued.trace";
    let s = steps(trace);
    assert_eq!(s[0].0, "city_office");
    assert_eq!(s[0].1, "no_signature_certificate");
    let en = text(trace, "en");
    assert!(en.contains("children under 15"), "{en}");
    assert!(en.contains("adult wards"), "{en}");
    assert!(en.contains("顔認証マイナンバーカード"), "{en}");
    let ja = text(trace, "ja");
    assert!(ja.contains("15歳未満"), "{ja}");
    assert!(ja.contains("成年被後見人"), "{ja}");
}

#[test]
fn pins_only_carries_the_same_guidance_ids() {
    let Run { stdout: out, .. } = replay(
        "status/locked-63c0.trace",
        &["--json", "status", "--pins-only"],
    )
    .assert_exit(0);
    let v = json(&out);
    assert_eq!(v["pins"][1]["next_step"], "kiosk_reset");
    assert_eq!(v["pins"][1]["same_value_hint"], true);
    // Not read with --pins-only: null (docs/json.md: a key is never missing).
    assert!(v["card_kind"].is_null());
    assert!(v["auth_certificate"].is_null());
    let Run { stdout: out, .. } = replay(
        "status/sign-not-issued.trace",
        &["--json", "status", "--pins-only"],
    );
    assert_eq!(json(&out)["pins"][0]["reason"], "no_signature_certificate");
}

#[test]
fn output_piped_to_a_file_has_no_colour_codes() {
    let out = text("guidance/both-jpki-locked.trace", "en");
    assert!(!out.contains('\x1b'), "{out:?}");
}
