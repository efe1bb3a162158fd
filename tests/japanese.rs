//! A Japanese holder reads Japanese: with `--lang ja`, the main line of every error a holder can
//! meet is Japanese, with no English sentence, and never shows a PIN. The same runs in English
//! keep the library's English text. Also the guidance when the auth certificate has expired.

use crate::util::{assert_no_pin, jpki, json, replay, replay_stdin, Run};

const CURRENT: &str = "4827";
const NEW: &str = "6391";
const TODAY: &str = "2026-11-25";

/// Run `jpki --lang LANG --replay TRACE ARGS...` with `stdin`.
fn run(lang: &str, trace_name: &str, args: &[&str], stdin: &str) -> Run {
    replay_stdin(trace_name, &[&["--lang", lang][..], args].concat(), stdin)
}

/// Whether `c` is kana or a CJK ideograph.
fn is_japanese(c: char) -> bool {
    ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The first run of three or more English words (space-separated, two letters or more, one in
/// lower case) in `text`, ignoring what sits inside quotes 「」 (reader names). Japanese or
/// code (`jpki status`) next to a word ends the run.
fn english_sentence(text: &str) -> Option<String> {
    let mut outside = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '「' => depth += 1,
            '」' => depth -= 1,
            _ if depth == 0 => outside.push(c),
            _ => outside.push('_'),
        }
    }
    let mut run: Vec<&str> = Vec::new();
    for token in outside.split(' ') {
        let word = token.trim_end_matches([',', '.', ';', ':']);
        let english = word.len() >= 2
            && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'')
            && word.chars().any(|c| c.is_ascii_lowercase());
        if english {
            run.push(word);
            if run.len() >= 3 {
                return Some(run.join(" "));
            }
        } else {
            run.clear();
        }
    }
    None
}

/// The main line of stderr: the one that starts "jpki: エラー:".
fn main_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("jpki: エラー: "))
        .unwrap_or_else(|| panic!("no Japanese error line:\n{stderr}"))
}

/// The main line is Japanese, holds no English sentence, and the whole of stderr no PIN.
fn assert_japanese_error(stderr: &str) {
    let line = main_line(stderr);
    assert!(line.chars().any(is_japanese), "{stderr}");
    if let Some(english) = english_sentence(line) {
        panic!("English on the main line ({english:?}):\n{stderr}");
    }
    assert_no_pin("stderr", stderr, &[CURRENT, NEW]);
}

/// The same run in English starts "jpki: error:" with the library's text and no Japanese.
fn assert_english_error(stderr: &str, expected: &str) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("jpki: error: "))
        .unwrap_or_else(|| panic!("no English error line:\n{stderr}"));
    assert!(!line.chars().any(is_japanese), "{stderr}");
    assert!(line.contains(expected), "{stderr}");
    assert_no_pin("stderr", stderr, &[CURRENT, NEW]);
}

fn pins() -> String {
    format!("{CURRENT}\n{NEW}\n")
}

/// (trace, change-pin args, stdin, exit code, Japanese words, English words).
type Case = (
    &'static str,
    &'static [&'static str],
    String,
    i32,
    &'static str,
    &'static str,
);

fn change_pin_cases() -> Vec<Case> {
    vec![
        (
            "change-pin/wrong-current-pin.trace",
            &["auth"],
            pins(),
            13,
            "利用者証明用電子証明書の暗証番号 (auth)が違います。残りは2回です",
            "the auth PIN is wrong; 2 tries left",
        ),
        (
            "change-pin/last-try-refused.trace",
            &["auth"],
            pins(),
            14,
            "残り1回",
            "only one try left",
        ),
        (
            "change-pin/locked.trace",
            &["juki"],
            pins(),
            15,
            "住民基本台帳用暗証番号 (juki)はロックされています",
            "the juki PIN is locked",
        ),
        (
            "change-pin/juki-not-issued.trace",
            &["juki"],
            pins(),
            17,
            "このカードには住民基本台帳用暗証番号 (juki)がありません",
            "this card has no juki PIN",
        ),
        (
            "change-pin/removed-after-verify.trace",
            &["kenhojo"],
            pins(),
            16,
            "試行回数が数えられたかもしれません。暗証番号が変わったかどうかも分かりません",
            "the try may have been counted",
        ),
        // Refused before any card is touched: the trace is never reached.
        (
            "status/fresh.trace",
            &["juki"],
            format!("482\n{NEW}\n"),
            3,
            "住民基本台帳用暗証番号 (juki)は数字4桁",
            "must be exactly 4 digits",
        ),
        (
            "status/fresh.trace",
            &["sign"],
            "ABC12\nABC123\n".to_string(),
            3,
            "6〜16文字",
            "6 to 16 characters",
        ),
        (
            "status/fresh.trace",
            &["sign"],
            "ABCDEF1\nABC-123\n".to_string(),
            3,
            "英字 A〜Z と数字 0〜9 だけ",
            "only the letters A-Z",
        ),
        (
            "status/fresh.trace",
            &["sign"],
            "ABCDEFG\nABC123\n".to_string(),
            3,
            "英字と数字をそれぞれ1文字以上",
            "at least one letter and at least one digit",
        ),
        (
            "status/fresh.trace",
            &["juki"],
            format!("{CURRENT}\n{CURRENT}\n"),
            3,
            "新しい暗証番号が現在の暗証番号と同じ",
            "same as the current PIN",
        ),
        (
            "status/fresh.trace",
            &["juki"],
            format!("{CURRENT}\n"),
            3,
            "ちょうど2行が必要",
            "found 1 line(s)",
        ),
        (
            "status/fresh.trace",
            &["juki", "sign"],
            pins(),
            3,
            "4桁の暗証番号と一緒には変更できません",
            "cannot be changed together with 4-digit PINs",
        ),
        (
            "status/fresh.trace",
            &["juki", "auth", "juki"],
            pins(),
            3,
            "2回以上指定されています",
            "named more than once",
        ),
    ]
}

#[test]
fn change_pin_failures_read_in_japanese_and_in_english() {
    for (trace_name, pins, stdin, code, ja, en) in change_pin_cases() {
        let args: Vec<&str> = ["change-pin", "--stdin", "--experimental"]
            .iter()
            .chain(pins)
            .copied()
            .collect();
        let Run {
            code: got,
            stdout: out,
            stderr: err,
        } = run("ja", trace_name, &args, &stdin);
        assert_eq!(got, code, "{trace_name} {pins:?}: {err}");
        assert_japanese_error(&err);
        assert!(main_line(&err).contains(ja), "{trace_name}: {err}");
        assert_no_pin("stdout", &out, &[CURRENT, NEW]);
        let Run {
            code: got,
            stderr: err,
            ..
        } = run("en", trace_name, &args, &stdin);
        assert_eq!(got, code, "{trace_name} {pins:?}: {err}");
        assert_english_error(&err, en);
    }
}

#[test]
fn a_partly_changed_juki_pin_reads_in_japanese() {
    let args = ["change-pin", "--stdin", "--experimental", "juki"];
    for trace_name in [
        "change-pin/juki-change-key-refused.trace",
        "change-pin/juki-wrong-at-common.trace",
    ] {
        let Run {
            stdout: out,
            stderr: err,
            ..
        } = run("ja", trace_name, &args, &pins()).assert_exit(21);
        assert_japanese_error(&err);
        assert!(main_line(&err).contains("一部だけ変更されました"), "{err}");
        assert!(main_line(&err).contains("住基APは新しい暗証番号"), "{err}");
        assert!(err.contains("jpki status"), "{err}");
        assert!(out.contains("共通AP: 変わっていません"), "{out}");
        for line in out.lines() {
            assert!(english_sentence(line).is_none(), "English in: {line}");
        }
        assert_no_pin("stdout", &out, &[CURRENT, NEW]);
    }
}

#[test]
fn the_experimental_refusal_reads_in_japanese() {
    for args in [
        &["change-pin", "--stdin", "juki"][..],
        &["verify-pin", "--stdin", "juki"][..],
    ] {
        let Run { stderr: err, .. } =
            run("ja", "missing/no-such.trace", args, &pins()).assert_exit(20);
        assert_japanese_error(&err);
        let main = main_line(&err);
        for says in ["実験的", "soltia48/myna-card", "--experimental", "住基AP"] {
            assert!(main.contains(says), "{says}: {err}");
        }
    }
}

#[test]
fn verify_pin_reads_in_japanese() {
    let args = ["verify-pin", "--stdin", "auth"];
    let line = format!("{CURRENT}\n");
    let Run {
        code,
        stdout: out,
        stderr: err,
    } = run("ja", "verify-pin/wrong-auth.trace", &args, &line);
    assert_eq!(code, 13, "{err}");
    assert_japanese_error(&err);
    assert!(
        out.contains("暗証番号が違います。残り1回（3回中）です。"),
        "{out}"
    );
    assert!(out.contains("対処方法:"), "{out}");
    let Run {
        code, stderr: err, ..
    } = run("ja", "verify-pin/last-try-refused.trace", &args, &line);
    assert_eq!(code, 14, "{err}");
    assert_japanese_error(&err);
    let Run {
        code, stderr: err, ..
    } = run("ja", "status/fresh.trace", &args, "1\n2\n");
    assert_eq!(code, 3, "{err}");
    assert_japanese_error(&err);
    assert!(main_line(&err).contains("暗証番号1行だけ"), "{err}");
    let Run { stderr: err, .. } = run(
        "ja",
        "verify-pin/removed-during-verify.trace",
        &["verify-pin", "--stdin", "kenhojo"],
        &line,
    )
    .assert_exit(16);
    assert_japanese_error(&err);
    assert!(!err.contains("変わったかどうか"), "{err}");
}

#[test]
fn a_card_that_is_not_a_my_number_card_reads_in_japanese() {
    let Run {
        code, stderr: err, ..
    } = run("ja", "status/not-my-number-card.trace", &["status"], "");
    assert_eq!(code, 8, "{err}");
    assert_japanese_error(&err);
    assert!(
        main_line(&err).contains("マイナンバーカードではありません"),
        "{err}"
    );
    let Run { stderr: err, .. } =
        run("en", "status/not-my-number-card.trace", &["status"], "").assert_exit(8);
    assert_english_error(&err, "this is not a My Number card");
}

#[test]
fn a_replay_error_has_a_japanese_line_before_the_english_detail() {
    // A full-status trace does not fit the 14-APDU exchange: the replay diverges (exit 11).
    let Run {
        code, stderr: err, ..
    } = run(
        "ja",
        "card/my-number-card.trace",
        &["status", "--pins-only"],
        "",
    );
    assert_eq!(code, 11, "{err}");
    assert_japanese_error(&err);
    assert!(main_line(&err).contains("リプレイ"), "{err}");
    assert!(err.contains("replay diverged"), "{err}");
    let Run { stderr: err, .. } = run(
        "ja",
        "missing/no-such.trace",
        &["status", "--pins-only"],
        "",
    )
    .assert_exit(11);
    assert_japanese_error(&err);
    assert!(
        main_line(&err).contains("トレースファイルを読み込めません"),
        "{err}"
    );
}

#[test]
fn no_pcsc_service_reads_in_japanese() {
    for args in [
        &["status"][..],
        &["change-pin", "--stdin", "--experimental", "juki"][..],
        &["verify-pin", "--stdin", "auth"][..],
    ] {
        let out = jpki()
            .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
            .args(["--lang", "ja"])
            .args(args)
            .write_stdin(if args[0] == "verify-pin" {
                format!("{CURRENT}\n")
            } else {
                pins()
            })
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{err}");
        assert_japanese_error(&err);
        assert!(
            main_line(&err).contains("PC/SC サービスが動いていません"),
            "{err}"
        );
    }
}

#[test]
fn doctor_details_read_in_japanese() {
    let Run {
        code, stdout: out, ..
    } = run("ja", "card/probe-not-my-number-card.trace", &["doctor"], "");
    assert_eq!(code, 19);
    let failed: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(failed.len(), 1, "{out}");
    assert!(
        failed[0].contains("マイナンバーカードではありません"),
        "{out}"
    );
    // The reader's own name aside, no English sentence.
    for line in out.lines().filter(|l| !l.contains("Hand-written Reader")) {
        assert!(
            english_sentence(line).is_none(),
            "English in: {line}\n{out}"
        );
    }
    let out = jpki()
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .args(["--lang", "ja", "doctor"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(19), "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("PC/SC サービスが動いていません"), "{text}");
    // The English doctor keeps the library's words.
    let Run {
        code, stdout: out, ..
    } = run("en", "card/probe-not-my-number-card.trace", &["doctor"], "");
    assert_eq!(code, 19);
    assert!(out.contains("this is not a My Number card"), "{out}");
}

#[test]
fn an_expired_certificate_sends_a_locked_sign_password_to_the_city_office() {
    let args = ["--today", TODAY];
    let Run { stdout: out, .. } = replay(
        "guidance/expired-sign-locked.trace",
        &[&args[..], &["--json", "status"]].concat(),
    )
    .assert_exit(0);
    let v = json(&out);
    assert_eq!(v["auth_certificate"]["state"], "expired");
    assert_eq!(v["pins"][0]["next_step"], "city_office");
    assert_eq!(v["pins"][0]["reason"], "locked");
    assert_eq!(v["pins"][1]["next_step"], "none");
    // The same counters with a valid certificate go to the kiosk.
    let Run { stdout: out, .. } = replay(
        "guidance/sign-locked.trace",
        &[&args[..], &["--json", "status"]].concat(),
    );
    assert_eq!(json(&out)["pins"][0]["next_step"], "kiosk_reset");

    let Run { stdout: ja, .. } = run(
        "ja",
        "guidance/expired-sign-locked.trace",
        &[&args[..], &["status"]].concat(),
        "",
    );
    assert!(
        ja.contains("有効期限が切れているため、コンビニでは再設定できません"),
        "{ja}"
    );
    assert!(ja.contains("本人確認書類"), "{ja}");
    assert!(ja.contains("電子証明書の更新"), "{ja}");
    assert!(!ja.contains("JPKI暗証番号リセット"), "{ja}");
    let Run { stdout: en, .. } = run(
        "en",
        "guidance/expired-sign-locked.trace",
        &[&args[..], &["status"]].concat(),
        "",
    );
    assert!(en.contains("has expired, so no kiosk can reset it"), "{en}");
    assert!(en.contains("identity document"), "{en}");
    assert!(!en.contains("JPKI暗証番号リセット"), "{en}");
}

#[test]
fn an_expired_certificate_makes_a_last_try_point_at_the_city_office() {
    let Run { stdout: out, .. } = replay(
        "guidance/expired-auth-last-try.trace",
        &["--today", TODAY, "--json", "status"],
    )
    .assert_exit(0);
    let auth = &json(&out)["pins"][1];
    assert_eq!(auth["next_step"], "avoid_wrong_entry");
    assert_eq!(auth["if_locked"], "city_office");
    let Run { stdout: ja, .. } = run(
        "ja",
        "guidance/expired-auth-last-try.trace",
        &["--today", TODAY, "status"],
        "",
    );
    assert!(ja.contains("残り1回です"), "{ja}");
    assert!(ja.contains("コンビニでは再設定できません"), "{ja}");
}

#[test]
fn pins_only_knows_no_expiry_so_the_kiosk_advice_carries_a_caution() {
    // auth locked while sign works: the kiosk, unless the certificate has expired.
    let Run { stdout: ja, .. } = run(
        "ja",
        "status/locked-63c0.trace",
        &["status", "--pins-only"],
        "",
    )
    .assert_exit(0);
    assert!(ja.contains("JPKI暗証番号リセット"), "{ja}");
    assert!(ja.contains("有効期限が切れていると"), "{ja}");
    let Run { stdout: en, .. } = run(
        "en",
        "status/locked-63c0.trace",
        &["status", "--pins-only"],
        "",
    );
    assert!(en.contains("If the certificate has expired"), "{en}");
    let Run { stdout: out, .. } = replay(
        "status/locked-63c0.trace",
        &["--json", "status", "--pins-only"],
    );
    assert_eq!(json(&out)["pins"][1]["next_step"], "kiosk_reset");
    // A valid certificate needs no caution.
    let Run { stdout: ja, .. } = run(
        "ja",
        "guidance/auth-locked.trace",
        &["--today", TODAY, "status"],
        "",
    );
    assert!(!ja.contains("有効期限が切れていると"), "{ja}");
}

#[test]
fn the_english_detector_finds_the_old_mixed_line() {
    let old = "jpki: エラー: the current auth PIN is wrong; 2 tries left";
    assert_eq!(english_sentence(old).as_deref(), Some("the current auth"));
    assert_eq!(
        english_sentence("`jpki status` で確認 (auth)が違います"),
        None
    );
    assert_eq!(
        english_sentence("「Hand-written Reader 00 00」にカードがありません"),
        None
    );
}

/// Every command a person can ask help of, as typed after `jpki`.
const HELP_COMMANDS: [&[&str]; 7] = [
    &[],
    &["readers"],
    &["status"],
    &["change-pin"],
    &["verify-pin"],
    &["doctor"],
    &["completions"],
];

/// The help `jpki` prints for `command` and `flag` (`-h` or `--help`), in the language that
/// `lang` (`--lang ja`, or nothing) and `locale` (LANG) ask for.
fn help_text(lang: &[&str], locale: &str, command: &[&str], flag: &str) -> String {
    let args = [lang, command, &[flag]].concat();
    let ran = crate::util::run(jpki().env("LANG", locale).args(&args));
    assert_eq!(ran.code, 0, "{args:?}: {}", ran.stderr);
    ran.stdout
}

/// The descriptions in an English help: what follows a flag, a command or a possible value,
/// and the lines of a long description; not the flags and names themselves.
fn descriptions(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|line| line.trim().rsplit("  ").next())
        .map(str::trim)
        .filter(|text| !text.starts_with(['-', '<', '[']))
        .filter(|text| text.split_whitespace().count() >= 3)
        .map(str::to_string)
        .collect()
}

/// The flags a help lists, `--reader`, `-h`, in order.
fn listed_flags(help: &str) -> Vec<String> {
    help.lines()
        .filter(|line| line.trim_start().starts_with('-'))
        .flat_map(|line| line.split([' ', ',', '[', '<', '=']))
        .filter(|word| word.starts_with('-') && word.len() > 1)
        .map(str::to_string)
        .collect()
}

#[test]
fn help_is_japanese_for_every_command_and_flag_under_lang_ja_and_a_japanese_locale() {
    for command in HELP_COMMANDS {
        for flag in ["-h", "--help"] {
            let english = help_text(&["--lang", "en"], "ja_JP.UTF-8", command, flag);
            let english_descriptions = descriptions(&english);
            assert!(
                english_descriptions.len() >= 3,
                "{command:?} {flag}: {english}"
            );
            for (lang, locale) in [(&["--lang", "ja"][..], "C.UTF-8"), (&[][..], "ja_JP.UTF-8")] {
                let japanese = help_text(lang, locale, command, flag);
                let case = format!("{lang:?} LANG={locale} {command:?} {flag}");
                for text in &english_descriptions {
                    assert!(
                        !japanese.contains(text.as_str()),
                        "{case}: English left: {text}\n{japanese}"
                    );
                }
                for english_word in [
                    "Usage:",
                    "Options:",
                    "Commands:",
                    "Arguments:",
                    "Possible values",
                    "[env:",
                    "Print ",
                ] {
                    assert!(
                        !japanese.contains(english_word),
                        "{case}: {english_word}\n{japanese}"
                    );
                }
                assert!(japanese.contains("使い方: jpki"), "{case}: {japanese}");
                assert!(japanese.contains("オプション:"), "{case}: {japanese}");
                // The same flags, each with Japanese words after it.
                assert_eq!(listed_flags(&japanese), listed_flags(&english), "{case}");
                if flag == "-h" {
                    for line in japanese.lines().filter(|l| l.trim_start().starts_with('-')) {
                        assert!(line.chars().any(is_japanese), "{case}: {line}");
                    }
                }
            }
        }
    }
}

#[test]
fn help_of_a_command_through_help_is_japanese_too() {
    let through_help = help_text(&["--lang", "ja"], "C.UTF-8", &["help"], "status");
    let direct = help_text(&["--lang", "ja"], "C.UTF-8", &["status"], "--help");
    assert_eq!(through_help, direct);
    assert!(direct.contains("残り回数"), "{direct}");
}

#[test]
fn help_stays_english_without_a_japanese_locale_or_flag() {
    let help = help_text(&[], "C.UTF-8", &["status"], "--help");
    assert!(help.contains("Usage: jpki status [OPTIONS]"), "{help}");
    assert!(
        !help.chars().any(is_japanese) || help.contains("日本語"),
        "{help}"
    );
    let help = help_text(&["--lang", "en"], "ja_JP.UTF-8", &[], "--help");
    assert!(help.starts_with("Show tries left"), "{help}");
}
